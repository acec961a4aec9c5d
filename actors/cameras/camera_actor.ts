/**
 * One camera per capture (source, size, fps): runs its frame source, keeps the newest frame,
 * measures fps, and watches for stalls. It never retries by itself: a failed or stalled source ends the actor with an error
 * and the supervisor restarts it with backoff (or parks it as failed).
 */
import { Actor, type Clock, FatalError, type TimerId } from "../runtime/mod.ts";
import {
  discardFrame,
  type Frame,
  type FrameSource,
  settleFrame,
  type SourceSpec,
} from "../frame_sources/frame.ts";

/** Lifecycle of a camera as users see it. */
export type CameraStatus = "starting" | "live" | "stalled" | "restarting" | "failed" | "stopped";

/** JSON snapshot of a camera, shown by the API and persisted across restarts. */
export interface CameraSnapshot {
  status: CameraStatus;
  /** Camera id: `cap_` and a hash of what it captures (`cameras/camera_key.ts`). */
  id: string;
  /** What is captured (credentials stay in; the API redacts them). */
  spec: SourceSpec;
  /** Frame source kind: ffmpeg, image, demo. */
  kind: string;
  width: number | null;
  height: number | null;
  /** Requested frames per second. */
  targetFps: number;
  /** Measured frames per second over the last frames. */
  fps: number;
  /** Capture time of the newest frame, ms since the epoch. */
  lastFrameTime: number | null;
  /** Frames received by this instance. */
  frames: number;
  /** Frame notifications dropped because a newer frame arrived first. */
  droppedFrames: number;
  /** Restarts of this camera over its lifetime. */
  restarts: number;
  /** Times the watchdog found no frame in time. */
  stalls: number;
  /** Why it last failed. */
  lastError: string | null;
  /** When this instance started, ms since the epoch. */
  startedAt: number;
}

/** Messages a camera handles. */
export type CameraMessage =
  | { type: "frame"; frame: Frame }
  | { type: "source_failed"; error: Error; fatal: boolean }
  | { type: "source_ended" }
  | { type: "watchdog" };

/** Camera options; defaults in brackets. */
export interface CameraOptions {
  /** Builds the frame source for the spec. */
  createSource: (spec: SourceSpec) => FrameSource;
  /** Time source [system clock]. */
  clock?: Clock;
  /** Counters carried over from the previous instance. */
  previous?: Pick<CameraSnapshot, "restarts" | "stalls" | "lastError">;
  /** Smallest stall timeout, ms [10 000]; the timeout is max(2 × frame interval, this). */
  minStallMs?: number;
}

/** The camera actor. */
export class CameraActor extends Actor<CameraMessage, CameraSnapshot> {
  #opts: CameraOptions;
  #latest: Frame | undefined;
  #frameTimes: number[] = [];
  #watchdog: TimerId | undefined;
  #abort = new AbortController();
  #frameListeners = new Set<(f: Frame) => void>();
  /** `nextFrame` waits that end on exit (one reaction on `exited`, not one per wait). */
  #exitWaiters = new Set<() => void>();

  constructor(id: string, spec: SourceSpec, opts: CameraOptions) {
    const clock = opts.clock;
    const now = clock ? clock.now() : Date.now();
    super(id, {
      status: "starting",
      id,
      spec,
      kind: "",
      width: spec.width ?? null,
      height: spec.height ?? null,
      targetFps: spec.fps ?? 5,
      fps: 0,
      lastFrameTime: null,
      frames: 0,
      droppedFrames: 0,
      restarts: opts.previous?.restarts ?? 0,
      stalls: opts.previous?.stalls ?? 0,
      lastError: opts.previous?.lastError ?? null,
      startedAt: now,
    }, {
      clock,
      // Frames are notifications: a newer one makes the older worthless. Control never drops.
      mailbox: { capacity: 8, overflow: (m) => (m.type === "frame" ? "drop-oldest" : "block") },
    });
    this.#opts = opts;
    void this.exited.then(() => {
      for (const fn of [...this.#exitWaiters]) fn();
    });
  }

  /** The newest frame, if any arrived. */
  latestFrame(): Frame | undefined {
    return settleFrame(this.#latest);
  }

  /** Calls `fn` with every new frame; returns the unsubscribe. */
  onFrame(fn: (f: Frame) => void): () => void {
    this.#frameListeners.add(fn);
    return () => this.#frameListeners.delete(fn);
  }

  /** Resolves with the first frame newer than `afterSeq`, or undefined after `timeoutMs` or on exit. */
  nextFrame(afterSeq: number, timeoutMs: number): Promise<Frame | undefined> {
    const latest = this.#latest;
    if (latest && latest.seq > afterSeq) return Promise.resolve(settleFrame(latest));
    if (this.ended) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      let settled = false;
      // Each wait must leave nothing behind once settled: a reaction added to `exited` per call
      // kept every resolved frame alive for the camera's lifetime (+4 MB/s with two /ws clients).
      const done = (f: Frame | undefined) => {
        if (settled) return;
        settled = true;
        this.clock.clearTimeout(timer);
        off();
        this.#exitWaiters.delete(onExit);
        resolve(f);
      };
      const onExit = () => done(undefined);
      const timer = this.clock.setTimeout(onExit, timeoutMs);
      const off = this.onFrame(done);
      this.#exitWaiters.add(onExit);
    });
  }

  /** Stall timeout: max(2 × frame interval, minStallMs). */
  get stallMs(): number {
    const interval = 1000 / Math.max(0.001, this.snapshot().targetFps);
    return Math.max(2 * interval, this.#opts.minStallMs ?? 10_000);
  }

  protected override onStart(): () => Promise<void> {
    const spec = this.snapshot().spec;
    const source = this.#opts.createSource(spec);
    // A still image without an fps is served at 1 fps (image_file.ts), not the streams' 5.
    const targetFps = spec.fps ?? (source.kind === "image" ? 1 : 5);
    this.update({ kind: source.kind, targetFps });
    this.#armWatchdog();
    const loop = this.#pump(source);
    return async () => {
      this.#abort.abort();
      if (this.#watchdog !== undefined) this.clock.clearTimeout(this.#watchdog);
      await loop;
      this.#frameListeners.clear();
    };
  }

  protected receive(msg: CameraMessage): void {
    switch (msg.type) {
      case "frame":
        return this.#onFrame(msg.frame);
      case "source_failed":
        this.update({ lastError: msg.error.message });
        throw msg.fatal ? new FatalError(msg.error.message) : msg.error;
      case "source_ended":
        throw new Error("the source ended");
      case "watchdog": {
        const secs = Math.round(this.stallMs / 100) / 10;
        this.update({ status: "stalled", stalls: this.snapshot().stalls + 1 });
        const error = `stalled: no frame for ${secs} s`;
        this.update({ lastError: error });
        throw new Error(error);
      }
    }
  }

  #onFrame(frame: Frame): void {
    // Pixels nobody read (deferred by the source) go back to its buffer pool unallocated; a frame
    // handed out (latestFrame, nextFrame, listeners) was settled into shared memory first.
    const previous = this.#latest;
    if (previous) discardFrame(previous);
    this.#latest = frame;
    this.#frameTimes.push(frame.time);
    if (this.#frameTimes.length > 10) this.#frameTimes.shift();
    const span = this.#frameTimes[this.#frameTimes.length - 1] - this.#frameTimes[0];
    const fps = span > 0 ? ((this.#frameTimes.length - 1) * 1000) / span : 0;
    this.update({
      status: "live",
      width: frame.width,
      height: frame.height,
      fps: Math.round(fps * 100) / 100,
      lastFrameTime: frame.time,
      frames: this.snapshot().frames + 1,
      droppedFrames: this.mailboxStats().dropped.frame ?? 0,
    });
    this.#armWatchdog();
    if (this.#frameListeners.size > 0) settleFrame(frame);
    for (const fn of this.#frameListeners) fn(frame);
  }

  #armWatchdog(): void {
    if (this.#watchdog !== undefined) this.clock.clearTimeout(this.#watchdog);
    this.#watchdog = this.clock.setTimeout(() => {
      this.#watchdog = undefined;
      // Sending fails only once the actor ended, when a stall no longer matters.
      if (!this.ended) void this.send({ type: "watchdog" });
    }, this.stallMs);
  }

  async #pump(source: FrameSource): Promise<void> {
    const signal = this.#abort.signal;
    try {
      for await (const frame of source.frames(signal)) {
        if (signal.aborted) break;
        await this.send({ type: "frame", frame });
      }
      if (!signal.aborted) await this.send({ type: "source_ended" });
    } catch (err) {
      if (signal.aborted || this.ended) return;
      const error = err instanceof Error ? err : new Error(String(err));
      const fatal = this.snapshot().frames === 0 &&
        (await isMissingLocalFile(source, this.snapshot().spec));
      if (!this.ended) await this.send({ type: "source_failed", error, fatal });
    }
  }
}

/** A local file path that does not exist: restarting cannot bring frames back. */
async function isMissingLocalFile(source: FrameSource, spec: SourceSpec): Promise<boolean> {
  const s = spec.source;
  if (source.kind === "demo" || /^[a-z][a-z0-9+.-]*:/i.test(s) || /^\d+$/.test(s)) return false;
  if (s.startsWith("/dev/")) return false;
  try {
    await Deno.stat(s);
    return false;
  } catch (err) {
    // Anything but NotFound (permissions, odd mounts) may pass: let the supervisor retry.
    return err instanceof Deno.errors.NotFound;
  }
}
