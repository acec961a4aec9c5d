/** The JSON shape of a batch task in API answers. */
import { z } from "zod";
import type { BatchTask } from "../storage/batch_db.ts";

/** A task as the API shows it (times ISO 8601, progress 0–100). */
export const batchTaskSchema = z.object({
  task_id: z.string(),
  name: z.string(),
  owner: z.string(),
  status: z.enum(["pending", "processing", "completed", "failed", "cancelled"]),
  progress: z.number().describe("0–100: frames done over frames expected"),
  frames_done: z.number(),
  frames_expected: z.number(),
  roi_reads: z.number().describe("ROI readings stored without error"),
  errors: z.number().describe("ROI readings that failed"),
  source: z.string(),
  group: z.string(),
  kind: z.enum(["video", "images"]),
  files: z.array(z.string()),
  bytes: z.number(),
  every_n_frames: z.number(),
  fps: z.number().nullable(),
  width: z.number(),
  height: z.number(),
  created_at: z.string(),
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
  error: z.string().nullable(),
  warning: z.string().nullable().describe(
    "Set when a completed task ended before the frames ffprobe promised (a truncated video)",
  ),
});

/** How far a task is, 0–100 (100 only once completed). */
export function progressOf(task: BatchTask): number {
  if (task.status === "completed") return 100;
  if (task.frames_expected <= 0) return 0;
  return Math.min(99, Math.floor((task.frames_done * 100) / task.frames_expected));
}

const iso = (s: number | null) => (s === null ? null : new Date(s * 1000).toISOString());

/** The API view of a stored task. */
export function taskView(task: BatchTask): z.infer<typeof batchTaskSchema> {
  return {
    task_id: task.id,
    name: task.name,
    owner: task.owner,
    status: task.status,
    progress: progressOf(task),
    frames_done: task.frames_done,
    frames_expected: task.frames_expected,
    roi_reads: task.roi_reads,
    errors: task.errors,
    source: task.source,
    group: task.group_name,
    kind: task.kind,
    files: JSON.parse(task.files) as string[],
    bytes: task.bytes,
    every_n_frames: task.every_n_frames,
    fps: task.fps,
    width: task.width,
    height: task.height,
    created_at: iso(task.created_at)!,
    started_at: iso(task.started_at),
    finished_at: iso(task.finished_at),
    error: task.error,
    warning: task.warning ?? null,
  };
}
