/** Frames and the contract every frame source meets. */
import { noteSharedBytes } from "../runtime/shared_memory.ts";

/**
 * One decoded frame. `data` is RGBA, `width * height * 4` bytes, backed by a SharedArrayBuffer
 * so the worker pool can read it from every worker without copying pixels per consumer.
 * A frame is immutable once published: consumers never write into `data`.
 */
export interface Frame {
  /** Width in pixels. */
  readonly width: number;
  /** Height in pixels. */
  readonly height: number;
  /** RGBA pixels over a SharedArrayBuffer. */
  readonly data: Uint8Array<SharedArrayBuffer>;
  /** Sequence number within this source, from 1. */
  readonly seq: number;
  /** Capture time, milliseconds since the epoch. */
  readonly time: number;
}

/** What a user asked for: VisionROI's `config.json` fields that shape capture. */
export interface SourceSpec {
  /** As typed by the user: URL, file path, device (`/dev/video0`, `0`), `demo`. */
  readonly source: string;
  /** Requested output width; the source scales to it when set. */
  readonly width?: number;
  /** Requested output height. */
  readonly height?: number;
  /** Requested frames per second; default 5 for streams and the demo, 1 for still images. */
  readonly fps?: number;
  /** VisionROI's backend name; both map to our sources. */
  readonly streamType?: "opencv" | "ffmpeg";
  /**
   * VisionROI's `low_latency`: smallest input buffers and probes for a live source (network URL or
   * device), so a frame leaves ffmpeg as soon as it is decoded. Ignored for files, images and demo.
   */
  readonly lowLatency?: boolean;
}

/** A capture failure callers branch on; `message` is the reason a user sees (ffmpeg's own words when it has them). */
export class FrameSourceError extends Error {
  override name = "FrameSourceError";
}

/**
 * A producer of frames. `frames(signal)` yields until the signal aborts (then it returns quietly
 * after releasing everything it started: child processes included) or the source fails (then it
 * throws {@linkcode FrameSourceError}). A source can be iterated again after it ended: each call
 * starts a fresh capture.
 */
export interface FrameSource {
  /** Short kind name: `ffmpeg`, `image`, `demo`. */
  readonly kind: string;
  /** Yields newest frames in order; never buffers more than one frame ahead. */
  frames(signal: AbortSignal): AsyncIterable<Frame>;
}

/** Allocates the SharedArrayBuffer-backed pixel array for one frame (counted for reclaiming). */
export function allocFrameData(width: number, height: number): Uint8Array<SharedArrayBuffer> {
  noteSharedBytes(width * height * 4);
  return new Uint8Array(new SharedArrayBuffer(width * height * 4));
}
