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

/**
 * Spare pixel buffers of one capture, so frames nobody looks at cost no allocation: a source
 * reads each frame into a buffer from here, and the buffer comes back once its bytes were copied
 * into shared memory or the frame was replaced unread. Keeps at most `max` spares.
 */
export class PixelBufferPool {
  readonly bytes: number;
  #spares: ArrayBuffer[] = [];
  #max: number;

  constructor(bytes: number, max = 1) {
    this.bytes = bytes;
    this.#max = max;
  }

  /** A spare buffer, or a new one. */
  take(): ArrayBuffer {
    const spare = this.#spares.pop();
    if (spare && spare.byteLength === this.bytes && !spare.detached) return spare;
    return new ArrayBuffer(this.bytes);
  }

  /** Gives a buffer back (dropped past the limit). */
  give(buffer: ArrayBuffer): void {
    if (buffer.byteLength !== this.bytes || buffer.detached) return;
    if (this.#spares.length < this.#max) this.#spares.push(buffer);
  }
}

const deferred = Symbol("deferred pixels");

interface Deferred {
  raw: Uint8Array | undefined;
  pool: PixelBufferPool;
  data: Uint8Array<SharedArrayBuffer> | undefined;
}

/**
 * A frame whose pixels still sit in a pooled buffer: they are copied into shared memory the first
 * time `data` is read ({@linkcode settleFrame}), and the buffer goes back to the pool then, or at
 * {@linkcode discardFrame} when nobody read them. A camera that delivers 5 frames a second to a
 * job reading one allocates one shared frame a second instead of five.
 */
export function deferredFrame(
  meta: Omit<Frame, "data">,
  raw: Uint8Array,
  pool: PixelBufferPool,
): Frame {
  const state: Deferred = { raw, pool, data: undefined };
  const frame = { ...meta, [deferred]: state } as unknown as Frame;
  Object.defineProperty(frame, "data", {
    enumerable: true,
    get(): Uint8Array<SharedArrayBuffer> {
      if (state.data) return state.data;
      const pixels = state.raw;
      if (!pixels) throw new Error(`frame ${meta.seq} was discarded before its pixels were read`);
      const data = allocFrameData(meta.width, meta.height);
      data.set(pixels.subarray(0, data.length));
      state.data = data;
      state.raw = undefined;
      pool.give(pixels.buffer as ArrayBuffer);
      return data;
    },
  });
  return frame;
}

/** Copies a deferred frame's pixels into shared memory now (a no-op for any other frame). */
export function settleFrame<F extends Frame | undefined>(frame: F): F {
  if (frame) void frame.data;
  return frame;
}

/** Gives an unread deferred frame's buffer back to its pool; the frame must not be used after. */
export function discardFrame(frame: Frame): void {
  const state = (frame as unknown as { [deferred]?: Deferred })[deferred];
  if (!state || state.data || !state.raw) return;
  const raw = state.raw;
  state.raw = undefined;
  state.pool.give(raw.buffer as ArrayBuffer);
}
