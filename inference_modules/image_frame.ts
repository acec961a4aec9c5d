/** Decodes an encoded image (JPEG, PNG, WebP…) into a {@linkcode Frame} over shared memory. */
import { allocFrameData, type Frame } from "../actors/frame_sources/frame.ts";

/** Thrown when the bytes are not an image sharp can decode; callers map it to a 4xx. */
export class ImageDecodeError extends Error {
  override name = "ImageDecodeError";
}

/** Largest accepted image, in pixels (sharp's own default limit is ~268 MP). */
export const MAX_IMAGE_PIXELS = 50_000_000;

/** Decodes `bytes` to RGBA in a SharedArrayBuffer (one frame, `seq` 1). */
export async function decodeImageToFrame(bytes: Uint8Array): Promise<Frame> {
  let decoded: { data: Uint8Array; info: { width: number; height: number; channels: number } };
  const { default: sharp } = await import("sharp"); // loaded on first use (~30 MB)
  try {
    decoded = await sharp(bytes, { limitInputPixels: MAX_IMAGE_PIXELS })
      .rotate() // honour EXIF orientation, as a person viewing the photo sees it
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
  } catch (e) {
    throw new ImageDecodeError(`cannot decode image: ${(e as Error).message}`);
  }
  const { width, height, channels } = decoded.info;
  if (channels !== 4) throw new ImageDecodeError(`decoded image has ${channels} channels, not 4`);
  const data = allocFrameData(width, height);
  data.set(decoded.data.subarray(0, width * height * 4));
  return { width, height, data, seq: 1, time: Date.now() };
}
