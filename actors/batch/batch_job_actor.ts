/**
 * One batch task: decodes the uploaded file frame by frame, reads the ROIs of each frame on the
 * worker pool at `batch` priority (live jobs go first), and stores each frame's rows with the
 * task's counters in one transaction. Started again after a crash or restart, it continues after
 * the last stored frame, so no frame is read twice and none is lost.
 */
import { Actor, asError, type Clock, FatalError } from "../runtime/mod.ts";
import type { FrameReader } from "../jobs/inference_job_actor.ts";
import { type BatchFrame, batchFrames, type FramePlan } from "../frame_sources/batch_frames.ts";
import { FrameSourceError } from "../frame_sources/frame.ts";
import type { BatchDb, BatchRow, BatchTask } from "../../storage/batch_db.ts";
import type { RoiResult, RoiTask } from "../../inference_modules/pool_types.ts";
import { mainNumber } from "../../inference_modules/main_number.ts";

/** How long a batch ROI may wait and run: batch work queues behind live work. */
export const BATCH_DEADLINE_MS = 120_000;

/**
 * Messages. `cancel` stops reading and marks the task cancelled; the others are the actor's own
 * steps, each sent when the work it waited for is done: `decoded` (the decoder's next frame, or the
 * end of the file), `frame_read` (the pool's answers for one frame) and `failed` (either broke).
 */
export type BatchJobMessage =
  | { type: "cancel" }
  | { type: "decoded"; item: IteratorResult<BatchFrame> }
  | { type: "frame_read"; index: number; time: number | null; results: RoiResult[] }
  | { type: "failed"; error: Error };

/** JSON snapshot of a running task. */
export interface BatchJobSnapshot {
  status: "starting" | "processing" | "completed" | "cancelled" | "failed";
  task_id: string;
  frames_done: number;
  frames_expected: number;
  last_error: string | null;
}

/** Where a batch job stores its frames: the database, or (cluster mode) the task's log. */
export type BatchJobStore = Pick<BatchDb, "task" | "updateTask" | "storeFrame">;

/** What a batch job is built with. */
export interface BatchJobDeps {
  db: BatchJobStore;
  reader: FrameReader;
  clock?: Clock;
  /** Frame decoder [batchFrames: ffmpeg or sharp over the task's files]. */
  frames?: (plan: FramePlan, signal: AbortSignal) => AsyncGenerator<BatchFrame>;
}

/**
 * The batch job actor of one task. Work is messages: the next frame is decoded while the pool reads
 * the current one, and each frame's rows are stored before the next `decoded` is handled, so the
 * order on disk is the order in the file.
 */
export class BatchJobActor extends Actor<BatchJobMessage, BatchJobSnapshot> {
  #task: BatchTask;
  #deps: BatchJobDeps;
  #rois: RoiTask[];
  #abort = new AbortController();
  #frames?: AsyncGenerator<BatchFrame>;
  /** The frame after the one being read, decoding meanwhile. */
  #prefetch?: Promise<IteratorResult<BatchFrame>>;
  #mark = 0;

  /** A job for `task` as stored (its `last_frame` says where to continue). */
  constructor(task: BatchTask, deps: BatchJobDeps) {
    super(`batch:${task.id}`, {
      status: "starting",
      task_id: task.id,
      frames_done: task.frames_done,
      frames_expected: task.frames_expected,
      last_error: null,
    }, { clock: deps.clock });
    this.#task = task;
    this.#deps = deps;
    this.#rois = JSON.parse(task.rois) as RoiTask[];
  }

  protected override onStart(): () => Promise<void> {
    const now = this.clock.now() / 1000;
    this.#deps.db.updateTask(this.#task.id, {
      status: "processing",
      started_at: this.#task.started_at ?? now,
      error: null,
    });
    this.update({ status: "processing" });
    this.#frames = (this.#deps.frames ?? batchFrames)(planOf(this.#task), this.#abort.signal);
    this.#mark = this.clock.now();
    this.#deliver(this.#pull());
    return async () => {
      this.#abort.abort();
      await this.#frames?.return(undefined).catch(() => undefined);
    };
  }

  protected receive(msg: BatchJobMessage): void {
    if (this.#abort.signal.aborted) return; // cancelled or stopping: late steps change nothing
    switch (msg.type) {
      case "cancel":
        this.#abort.abort();
        this.#finish("cancelled");
        void this.end("normal");
        return;
      case "decoded":
        return this.#decoded(msg.item);
      case "frame_read":
        return this.#frameRead(msg);
      case "failed":
        return this.#failed(msg.error);
    }
  }

  #decoded(item: IteratorResult<BatchFrame>): void {
    if (item.done) {
      this.#finish("completed");
      void this.end("normal");
      return;
    }
    this.#prefetch = this.#pull(); // decode the next frame while the pool reads this one
    const { index, time, frame, error } = item.value;
    const read = frame
      ? this.#deps.reader.readFrame(frame, this.#rois, {
        priority: "batch",
        deadlineMs: BATCH_DEADLINE_MS,
      })
      : Promise.resolve(this.#rois.map((r) => failed(r, error ?? "no frame")));
    read.then(
      (results) => this.#post({ type: "frame_read", index, time, results }),
      (err) => this.#post({ type: "failed", error: asError(err) }),
    );
  }

  #frameRead(msg: Extract<BatchJobMessage, { type: "frame_read" }>): void {
    const now = this.clock.now();
    this.#deps.db.storeFrame(
      this.#task.id,
      msg.index,
      msg.results.map((r) => rowOf(r, msg.index, msg.time)),
      now - this.#mark,
    );
    this.#mark = now;
    this.update({ frames_done: this.snapshot().frames_done + 1 });
    if (this.#prefetch) this.#deliver(this.#prefetch);
  }

  /** A decoder that cannot read the file fails the task for good; anything else is a crash. */
  #failed(error: Error): void {
    this.update({ status: "failed", last_error: error.message });
    throw error instanceof FrameSourceError ? new FatalError(error.message) : error;
  }

  #pull(): Promise<IteratorResult<BatchFrame>> {
    const p = this.#frames!.next();
    // The copy handed to #deliver reports the error; this one only keeps it from being unhandled.
    p.catch(() => undefined);
    return p;
  }

  #deliver(next: Promise<IteratorResult<BatchFrame>>): void {
    next.then(
      (item) => this.#post({ type: "decoded", item }),
      (err) => this.#post({ type: "failed", error: asError(err) }),
    );
  }

  /** Sends to itself; after it ended (cancelled, stopped) there is nobody to tell. */
  #post(msg: BatchJobMessage): void {
    if (this.ended || this.#abort.signal.aborted) return;
    this.send(msg).catch((err) => {
      if (!this.ended) console.error(`${this.id}: ${msg.type} lost: ${asError(err).message}`);
    });
  }

  #finish(status: "completed" | "cancelled"): void {
    const done = this.#deps.db.task(this.#task.id);
    this.#deps.db.updateTask(this.#task.id, {
      status,
      finished_at: this.clock.now() / 1000,
      ...(status === "completed" && done ? completion(done) : {}),
    });
    this.update({ status });
  }
}

/**
 * How a task that read to the end of its file compares with what ffprobe promised. More frames, or
 * one fewer (the fps filter and duration-based counts round), make the count the truth; more
 * missing means the file ended early: the promise stays and a warning says so.
 */
export function completion(
  task: Pick<BatchTask, "frames_done" | "frames_expected">,
): Pick<BatchTask, "frames_expected" | "warning"> {
  const { frames_done: done, frames_expected: expected } = task;
  if (done >= expected - 1) return { frames_expected: done, warning: null };
  return {
    frames_expected: expected,
    warning: `video ended at frame ${done} of ${expected} (truncated?)`,
  };
}

/** The decoding plan of a stored task. */
export function planOf(task: BatchTask): FramePlan {
  return {
    kind: task.kind,
    files: (JSON.parse(task.files) as string[]).map((f) => `${task.dir}/${f}`),
    width: task.width,
    height: task.height,
    everyN: task.every_n_frames,
    fps: task.fps,
    videoFps: task.video_fps,
    startAfter: task.last_frame,
  };
}

function rowOf(r: RoiResult, index: number, time: number | null): BatchRow {
  const value = r.value ?? (r.error ? undefined : mainNumber(r.text));
  return {
    frame_index: index,
    frame_time: time,
    roi_id: r.id,
    name: r.name || r.id,
    module: r.module,
    text: r.text,
    value: value ?? null,
    confidence: r.confidence ?? null,
    duration: r.duration,
    error: r.error ?? null,
  };
}

function failed(roi: RoiTask, error: string): RoiResult {
  return {
    id: roi.id,
    name: roi.name ?? roi.id,
    module: roi.module,
    text: "",
    duration: 0,
    error,
  };
}
