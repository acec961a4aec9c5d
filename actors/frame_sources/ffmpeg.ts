/**
 * The ffmpeg frame source: one ffmpeg child per iteration decodes a camera, URL, device or
 * video file into raw RGBA frames on its stdout, read in exact frame-sized chunks.
 *
 * Pixels: a BYOB reader fills a reusable ArrayBuffer straight from the pipe, then each frame is
 * copied once into its own SharedArrayBuffer. Reading straight into shared memory is not
 * possible: BYOB readers refuse views on a SharedArrayBuffer (they transfer the buffer).
 */

import { ffmpegArgs, redactCredentials } from "./ffmpeg_args.ts";
import { type ChildHandle, spawnChild } from "./ffmpeg_process.ts";
import { probeVideoSize, type VideoSize } from "./ffmpeg_probe.ts";
import {
  deferredFrame,
  type Frame,
  type FrameSource,
  FrameSourceError,
  PixelBufferPool,
  type SourceSpec,
} from "./frame.ts";
import { NewestSlot } from "./newest_slot.ts";

export { isNetworkUrl } from "./ffmpeg_args.ts";
export { ffmpegAvailable, ffmpegChildPids, killAllChildren } from "./ffmpeg_process.ts";

/** Options for {@linkcode FfmpegSource}. */
export interface FfmpegSourceOptions {
  /** Clock for frame times, ms since the epoch; default `Date.now`. */
  now?: () => number;
  /** Pace video files at the requested fps like a camera (`-re`); default true. False: as fast as ffmpeg decodes. */
  paceFiles?: boolean;
  /** How long the size probe may take (specs without width/height), ms; default 15 000. */
  probeTimeoutMs?: number;
}

/** A decoded frame's pixels (in a pooled buffer) and when it came off the pipe. */
interface Captured {
  raw: Uint8Array;
  time: number;
}

/** Frames from ffmpeg: RTSP/HTTP/other URLs, USB devices (`/dev/videoN`, `N`) and looping video files. */
export class FfmpegSource implements FrameSource {
  /** Always `"ffmpeg"`. */
  readonly kind = "ffmpeg";
  /** What this source captures. */
  readonly spec: SourceSpec;
  #opts: FfmpegSourceOptions;
  #dropped = 0;

  /** A source for `spec`; nothing starts until {@linkcode FfmpegSource.frames} is iterated. */
  constructor(spec: SourceSpec, opts: FfmpegSourceOptions = {}) {
    this.spec = spec;
    this.#opts = opts;
  }

  /** Frames read from ffmpeg but replaced by a newer one before the consumer took them (all iterations). */
  get droppedFrames(): number {
    return this.#dropped;
  }

  /** Starts ffmpeg and yields its newest frames; the child always ends when the iteration ends. */
  async *frames(signal: AbortSignal): AsyncGenerator<Frame, void, undefined> {
    if (signal.aborted) return;
    const size = await this.#outputSize(signal);
    if (size === undefined) return;
    const args = ffmpegArgs(this.spec, { ...size, paceFiles: this.#opts.paceFiles });
    const child = spawnChild("ffmpeg", args);
    const slot = new NewestSlot<Captured>();
    // Frames are read into pooled buffers and copied into shared memory only when a consumer
    // reads their pixels (frame.ts, deferredFrame).
    const pool = new PixelBufferPool(size.width * size.height * 4);
    const onAbort = () => {
      slot.close();
      void child.stop();
    };
    signal.addEventListener("abort", onAbort, { once: true });
    const pump = pumpFrames(child, {
      size,
      slot,
      pool,
      source: this.spec.source,
      now: this.#opts.now ?? Date.now,
    });
    try {
      let seq = 0;
      while (true) {
        const next = await slot.take();
        if (next.done || signal.aborted) return;
        yield deferredFrame({ ...size, seq: ++seq, time: next.value.time }, next.value.raw, pool);
      }
    } finally {
      signal.removeEventListener("abort", onAbort);
      slot.close();
      await child.stop();
      await pump;
      this.#dropped += slot.dropped;
    }
  }

  /** The requested size, completed from a probe when a side is missing (aspect kept); undefined if aborted. */
  async #outputSize(signal: AbortSignal): Promise<VideoSize | undefined> {
    const { width, height, source } = this.spec;
    if (width !== undefined && height !== undefined) return { width, height };
    const probed = await probeVideoSize(source, { signal, timeoutMs: this.#opts.probeTimeoutMs });
    if (probed === undefined) return undefined;
    if (width !== undefined) {
      return { width, height: Math.max(1, Math.round((width * probed.height) / probed.width)) };
    }
    if (height !== undefined) {
      return { width: Math.max(1, Math.round((height * probed.width) / probed.height)), height };
    }
    return probed;
  }
}

/** What {@linkcode pumpFrames} needs besides the child. */
interface PumpOptions {
  size: VideoSize;
  slot: NewestSlot<Captured>;
  pool: PixelBufferPool;
  source: string;
  now: () => number;
}

/**
 * Drains ffmpeg's stdout into the slot until EOF, then closes the slot with the reason ffmpeg
 * gave. Never rejects: every failure reaches the consumer through the slot.
 */
async function pumpFrames(child: ChildHandle, opts: PumpOptions): Promise<void> {
  const { slot, pool } = opts;
  const bytes = pool.bytes;
  const reader = child.stdout.getReader({ mode: "byob" });
  try {
    while (true) {
      // `min` makes one read resolve per frame instead of one per 64 KiB pipe chunk.
      const { value, done } = await reader.read(new Uint8Array(pool.take()), { min: bytes });
      if (done || value === undefined || value.byteLength < bytes) {
        if (value) pool.give(value.buffer);
        break;
      }
      // A frame the consumer did not take in time is replaced: its buffer is read into next.
      const replaced = slot.put({ raw: value, time: opts.now() });
      if (replaced) pool.give(replaced.raw.buffer as ArrayBuffer);
    }
    reader.releaseLock();
    const [status] = await Promise.all([child.status, child.stderrDone]);
    slot.close(new FrameSourceError(exitReason(status, { child, source: opts.source })));
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    slot.close(new FrameSourceError(`Reading ffmpeg's output failed: ${why}`, { cause: error }));
  }
}

/** The user-facing reason ffmpeg stopped: how it ended plus its last stderr lines. */
function exitReason(status: Deno.CommandStatus, opts: { child: ChildHandle; source: string }) {
  const how = status.signal ? `was killed by ${status.signal}` : `exited with code ${status.code}`;
  const said = opts.child.stderrTail();
  const text = `ffmpeg ${how} while reading "${opts.source}"` +
    (said ? `: ${said}` : " and printed no reason");
  return redactCredentials(text);
}
