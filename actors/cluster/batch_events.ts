/**
 * The batch log of cluster mode: one subject per task (`visionroi.batch.t.<task_id>`) in the stream
 * `VISIONROI_BATCH` holds the task's whole history in order: its definition, each claim by a node,
 * each acknowledged frame range with its rows, and the end. The last message of the subject is the
 * task's progress; writers append with the sequence they last read as a condition, so a node that
 * lost a task can never add a frame range behind its successor's back.
 */
import type { BatchRow, BatchStatus, NewBatchTask } from "../../storage/batch_db.ts";

/** Stream of task histories (limits retention). */
export const BATCH_STREAM = "VISIONROI_BATCH";
/** Work-queue stream: one message per task to run (and per resumed task). */
export const QUEUE_STREAM = "VISIONROI_BATCH_QUEUE";
/** Subject of the work queue. */
export const QUEUE_SUBJECT = "visionroi.batch.queue";
/** Durable pull consumer every node takes work from. */
export const QUEUE_CONSUMER = "visionroi_batch_workers";
/** Object Store bucket of uploaded footage (`<task_id>/<file>`). */
export const UPLOADS_BUCKET = "visionroi_uploads";

/** The subject of one task's history. */
export function taskSubject(id: string): string {
  return `visionroi.batch.t.${id}`;
}

/** Cumulative counters after an event (what a node resuming the task continues from). */
export interface BatchProgress {
  last_frame: number;
  frames_done: number;
  roi_reads: number;
  errors: number;
  busy_ms: number;
}

/** The counters of a task nobody has started. */
export const NO_PROGRESS: BatchProgress = {
  last_frame: -1,
  frames_done: 0,
  roi_reads: 0,
  errors: 0,
  busy_ms: 0,
};

/** One frame's rows inside a frame range. */
export interface FrameRows {
  index: number;
  busy_ms: number;
  rows: BatchRow[];
}

/** One event of a task's history. */
export type BatchEvent =
  | { type: "task"; task: NewBatchTask; node: string }
  | { type: "start"; node: string; at: number; progress: BatchProgress }
  | { type: "frames"; node: string; frames: FrameRows[]; progress: BatchProgress }
  /** A node that stopped (`/_quit`, SIGTERM) gave the task back after its last range. */
  | { type: "released"; node: string; progress: BatchProgress }
  | {
    type: "end";
    node: string;
    status: Extract<BatchStatus, "completed" | "cancelled" | "failed">;
    at: number;
    frames_expected?: number;
    warning?: string | null;
    error?: string | null;
  }
  | { type: "deleted"; node: string };

/** True for events after which the task does not run any more. */
export function isTerminal(ev: BatchEvent): boolean {
  return ev.type === "end" || ev.type === "deleted";
}

/** The progress a task has after `ev` (its last event). */
export function progressAfter(ev: BatchEvent): BatchProgress {
  return ev.type === "start" || ev.type === "frames" || ev.type === "released"
    ? ev.progress
    : NO_PROGRESS;
}

/** JetStream's answer to an append whose expected last subject sequence did not match. */
export function isSequenceConflict(err: unknown): boolean {
  return err instanceof Error && /wrong last sequence/i.test(err.message);
}
