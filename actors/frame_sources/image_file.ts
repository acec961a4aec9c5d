/** The still-image frame source: a photo or screenshot decoded once and served at a steady rate. */

import {
  allocFrameData,
  type Frame,
  type FrameSource,
  FrameSourceError,
  type SourceSpec,
} from "./frame.ts";
import { pacedTicks, type PacingOptions } from "./pacing.ts";

/** Frames per second a still image is served at when the spec gives none. */
export const DEFAULT_IMAGE_FPS = 1;

const STILL_IMAGE_EXTENSIONS = /\.(png|jpe?g|bmp|tiff?|webp)$/i;

/** Whether `source` names a still image by its extension (.png .jpg .jpeg .bmp .tif .tiff .webp). */
export function isStillImagePath(source: string): boolean {
  return STILL_IMAGE_EXTENSIONS.test(source.trim());
}

/** Options for {@linkcode ImageFileSource}: the clock and timer, injectable for tests. */
export type ImageFileSourceOptions = PacingOptions;

/**
 * Serves one image file as frames. Each iteration decodes the file once (so an edited image
 * shows after a restart), then yields the same pixels at the requested fps: new seq and time,
 * one shared buffer, which is safe because frames are immutable.
 */
export class ImageFileSource implements FrameSource {
  /** Always `"image"`. */
  readonly kind = "image";
  /** What this source serves. */
  readonly spec: SourceSpec;
  #opts: ImageFileSourceOptions;

  /** A source for `spec`; the file is read when {@linkcode ImageFileSource.frames} is iterated. */
  constructor(spec: SourceSpec, opts: ImageFileSourceOptions = {}) {
    this.spec = spec;
    this.#opts = opts;
  }

  /** Decodes the image, then yields it at `spec.fps` (default 1) until `signal` aborts. */
  async *frames(signal: AbortSignal): AsyncGenerator<Frame, void, undefined> {
    if (signal.aborted) return;
    const image = await decodeImage(this.spec);
    let seq = 0;
    const fps = this.spec.fps ?? DEFAULT_IMAGE_FPS;
    for await (const time of pacedTicks(fps, { ...this.#opts, signal })) {
      yield { ...image, seq: ++seq, time };
    }
  }
}

/** The decoded pixels of a still image, RGBA in shared memory. */
export interface DecodedImage {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** RGBA pixels. */
  data: Uint8Array<SharedArrayBuffer>;
}

/**
 * Reads and decodes `spec.source` with sharp: EXIF orientation applied (as OpenCV's imread
 * does), resized to the requested size (both sides: exact; one side: aspect kept), alpha added.
 */
export async function decodeImage(spec: SourceSpec): Promise<DecodedImage> {
  const path = spec.source;
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (error) {
    throw new FrameSourceError(`Cannot read image "${path}": ${reason(error)}`, { cause: error });
  }
  // Loaded on first use: sharp is native and needs --allow-ffi/--allow-env, which demo-only
  // and ffmpeg-only processes (and code that merely imports mod.ts) should not have to grant.
  const { default: sharp } = await import("sharp");
  try {
    let pipeline = sharp(bytes).rotate();
    if (spec.width !== undefined && spec.height !== undefined) {
      pipeline = pipeline.resize(spec.width, spec.height, { fit: "fill" });
    } else if (spec.width !== undefined || spec.height !== undefined) {
      // sharp derives the missing side from the aspect ratio only with its default fit.
      pipeline = pipeline.resize(spec.width, spec.height);
    }
    const { data, info } = await pipeline.ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    const pixels = allocFrameData(info.width, info.height);
    pixels.set(data);
    return { width: info.width, height: info.height, data: pixels };
  } catch (error) {
    throw new FrameSourceError(`Cannot decode image "${path}": ${reason(error)}`, { cause: error });
  }
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
