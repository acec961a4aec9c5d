/** Frame sources: what turns a user's `source` string into frames. */

import { DemoSource } from "./demo.ts";
import { FfmpegSource } from "./ffmpeg.ts";
import { isNetworkUrl } from "./ffmpeg_args.ts";
import type { FrameSource, SourceSpec } from "./frame.ts";
import { ImageFileSource, isStillImagePath } from "./image_file.ts";
import type { PacingOptions } from "./pacing.ts";

export { allocFrameData, FrameSourceError } from "./frame.ts";
export type { Frame, FrameSource, SourceSpec } from "./frame.ts";
export {
  DEMO_DEFAULT_FPS,
  DEMO_DESIGN_SIZE,
  DEMO_LAMP_COLORS,
  DEMO_LAMP_PERIOD_S,
  DEMO_LAYOUT,
  demoLayoutFor,
  DemoSource,
  demoStateAt,
  renderDemoPanel,
} from "./demo.ts";
export type { DemoRegion, DemoRegionId, DemoSourceOptions, DemoState } from "./demo.ts";
export { decodeImage, DEFAULT_IMAGE_FPS, ImageFileSource, isStillImagePath } from "./image_file.ts";
export type { DecodedImage, ImageFileSourceOptions } from "./image_file.ts";
export { FfmpegSource } from "./ffmpeg.ts";
export type { FfmpegSourceOptions } from "./ffmpeg.ts";
export { DEFAULT_STREAM_FPS, ffmpegArgs, isNetworkUrl, usbDevicePath } from "./ffmpeg_args.ts";
export {
  ffmpegAvailable,
  ffmpegChildPids,
  killAllChildren,
  STOP_GRACE_MS,
} from "./ffmpeg_process.ts";
export { probeVideoSize } from "./ffmpeg_probe.ts";
export type { VideoSize } from "./ffmpeg_probe.ts";
export { abortableSleep } from "./pacing.ts";
export type { PacingOptions, Sleep } from "./pacing.ts";
export type { Canvas } from "./raster.ts";

/** Largest width or height a spec may ask for. */
export const MAX_FRAME_SIDE = 8192;
/** Highest frame rate a spec may ask for. */
export const MAX_FPS = 60;
/** Lowest frame rate a spec may ask for. */
export const MIN_FPS = 0.1;

/** Options for {@linkcode createFrameSource}: passed to the source it picks. */
export interface CreateFrameSourceOptions extends PacingOptions {
  /** Pace video files like a camera (ffmpeg `-re`); default true. */
  paceFiles?: boolean;
}

/** Whether `source` selects the demo panel: `demo` or `demo:<anything>`. */
export function isDemoSource(source: string): boolean {
  return /^demo(:|$)/i.test(source.trim());
}

/**
 * The frame source for `spec`: the demo panel, a local still image (decoded in-process), or
 * ffmpeg for everything else (video files, every URL, USB devices). Throws TypeError/RangeError for a
 * spec that no source could honour, naming the field and value.
 */
export function createFrameSource(
  spec: SourceSpec,
  opts: CreateFrameSourceOptions = {},
): FrameSource {
  validateSourceSpec(spec);
  const { paceFiles, ...pacing } = opts;
  if (isDemoSource(spec.source)) return new DemoSource(spec, pacing);
  // A URL that ends in .jpg is a camera's snapshot endpoint, not a local file: ffmpeg reads URLs.
  if (isStillImagePath(spec.source) && !isNetworkUrl(spec.source)) {
    return new ImageFileSource(spec, pacing);
  }
  return new FfmpegSource(spec, { now: opts.now, paceFiles });
}

/** Throws TypeError or RangeError naming the field and value when `spec` is not usable. */
export function validateSourceSpec(spec: SourceSpec): void {
  if (typeof spec.source !== "string" || spec.source.trim() === "") {
    throw new TypeError(
      `Invalid source spec: source must be a non-empty string, got ${show(spec.source)}`,
    );
  }
  for (const field of ["width", "height"] as const) {
    const v = spec[field];
    if (v === undefined) continue;
    if (!Number.isInteger(v) || v <= 0 || v > MAX_FRAME_SIDE) {
      throw new RangeError(
        `Invalid source spec: ${field} must be an integer from 1 to ${MAX_FRAME_SIDE}, got ${
          show(v)
        }`,
      );
    }
  }
  const fps = spec.fps;
  if (fps !== undefined && !(Number.isFinite(fps) && fps >= MIN_FPS && fps <= MAX_FPS)) {
    throw new RangeError(
      `Invalid source spec: fps must be from ${MIN_FPS} to ${MAX_FPS}, got ${show(fps)}`,
    );
  }
}

function show(v: unknown): string {
  return typeof v === "string" ? JSON.stringify(v) : String(v);
}
