/** JPEG encoding of frames, once per frame however many clients ask. */
import type { Frame } from "../frame_sources/frame.ts";

const cache = new WeakMap<Frame, Promise<Uint8Array>>();

/** Encodes a frame as JPEG (quality 80, VisionROI's); concurrent and repeated calls share one encode. */
export function frameJpeg(frame: Frame, quality = 80): Promise<Uint8Array> {
  if (quality !== 80) return encode(frame, quality);
  let p = cache.get(frame);
  if (!p) {
    p = encode(frame, quality);
    cache.set(frame, p);
    p.catch(() => cache.delete(frame));
  }
  return p;
}

async function encode(frame: Frame, quality: number): Promise<Uint8Array> {
  // Loaded on first encode: sharp (libvips) costs ~30 MB of RSS that an idle server need not hold.
  const { default: sharp } = await import("sharp");
  const buf = await sharp(frame.data, {
    raw: { width: frame.width, height: frame.height, channels: 4 },
  }).jpeg({ quality }).toBuffer();
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}
