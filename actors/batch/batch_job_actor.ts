/**
 * One batch task: decodes the uploaded file frame by frame, reads the ROIs of each frame on the
 * worker pool at `batch` priority (live jobs go first), and stores each frame's rows with the
 * task's counters in one transaction. Started again after a crash or restart, it continues after
 * the last stored frame, so no frame is read twice and none is lost.
 */
import { Actor, type Clock, FatalError } from "../runtime/mod.ts";
import type { FrameReader } from "../jobs/inference_job_actor.ts";
import { batchFrames, type FramePlan } from "../frame_sources/batch_frames.ts";
import { FrameSourceError } from "../frame_sources/frame.ts";
import type { BatchDb, BatchRow, BatchTask } from "../../storage/batch_db.ts";
import type { RoiResult, RoiTask } from "../../inference_modules/pool_types.ts";
import { mainNumber } from "../../inference_modules/main_number.ts";

/** How long a batch ROI may wait and run: batch work queues behind live work. */
export const BATCH_DEADLINE_MS = 120_000;

/** Messages: `cancel` stops reading and marks the task cancelled. */
export type BatchJobMessage = { type: "cancel" };

/** JSON snapshot of a running task. */
export interface BatchJobSnapshot {
  status: "starting" | "processing" | "completed" | "cancelled" | "failed";
  task_id: string;
  frames_done: number;
  frames_expected: number;
  last_error: string | null;
}

/** What a batch job is built with. */
export interface BatchJobDeps {
  db: BatchDb;
  reader: FrameReader;
  clock?: Clock;
}

/** The batch job actor of one task. */
export class BatchJobActor extends Actor<BatchJobMessage, BatchJobSnapshot> {
  #task: BatchTask;
  #deps: BatchJobDeps;
  #abort = new AbortController();

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
  }

  protected override onStart(): () => Promise<void> {
    const now = this.clock.now() / 1000;
    this.#deps.db.updateTask(this.#task.id, {
      status: "processing",
      started_at: this.#task.started_at ?? now,
      error: null,
    });
    this.update({ status: "processing" });
    const loop = this.#run().then(
      (outcome) => outcome && void this.end("normal"),
      (err) => {
        const error = err instanceof Error ? err : new Error(String(err));
        this.update({ status: "failed", last_error: error.message });
        this.crash(
          err instanceof FrameSourceError ? new FatalError(error.message) : error,
          err instanceof FrameSourceError ? "fatal" : "error",
        );
      },
    );
    return async () => {
      this.#abort.abort();
      await loop;
    };
  }

  protected receive(msg: BatchJobMessage): void {
    if (msg.type !== "cancel" || this.#abort.signal.aborted) return;
    this.#abort.abort();
    this.#finish("cancelled");
    void this.end("normal");
  }

  /** Reads frames until the end ("completed") or an abort (undefined). */
  async #run(): Promise<"completed" | undefined> {
    const signal = this.#abort.signal;
    const task = this.#task;
    const rois = JSON.parse(task.rois) as RoiTask[];
    const frames = batchFrames(planOf(task), signal);
    const guard = <T>(p: Promise<T>) => {
      p.catch((err) => {
        // The awaited copy of `p` reports the error; this copy only keeps it from being unhandled.
        // After an abort the decoder was killed on purpose, and its error says nothing new.
        if (!signal.aborted) console.error(`batch ${task.id}: ${(err as Error).message}`);
      });
      return p;
    };
    let next = guard(frames.next());
    let mark = this.clock.now();
    try {
      for (;;) {
        const item = await next;
        if (item.done || signal.aborted) break;
        next = guard(frames.next()); // decode the next frame while the pool reads this one
        const { index, time, frame, error } = item.value;
        const results = frame
          ? await this.#deps.reader.readFrame(frame, rois, {
            priority: "batch",
            deadlineMs: BATCH_DEADLINE_MS,
          })
          : rois.map((r) => failed(r, error ?? "no frame"));
        if (signal.aborted) break; // cancelled or stopping: this frame's rows are not stored
        const now = this.clock.now();
        this.#deps.db.storeFrame(
          task.id,
          index,
          results.map((r) => rowOf(r, index, time)),
          now - mark,
        );
        mark = now;
        this.update({ frames_done: this.snapshot().frames_done + 1 });
      }
    } finally {
      if (signal.aborted) await frames.return(undefined);
    }
    if (signal.aborted) return undefined;
    this.#finish("completed");
    return "completed";
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
