/**
 * `$batchTasks`: the batch task list from `GET /api/batch`. The store owns its polling: it starts
 * with the first listener, polls every second while a task is pending or processing (every 10 s
 * otherwise, so tasks queued from the CLI show up), backs off after failures, and stops after the
 * last listener leaves.
 */
import { atom, onMount } from "nanostores";
import { api, errorText } from "./api.ts";
import { backoffDelay } from "./backoff.ts";

/** A batch task as `GET /api/batch` shows it (the server's `batchTaskSchema`). */
export interface BatchTask {
  task_id: string;
  name: string;
  owner: string;
  status: BatchStatus;
  progress: number;
  frames_done: number;
  frames_expected: number;
  roi_reads: number;
  errors: number;
  source: string;
  group: string;
  kind: "video" | "images";
  files: string[];
  bytes: number;
  every_n_frames: number;
  fps: number | null;
  width: number;
  height: number;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  error: string | null;
  /** Set when a completed task ended before the frames ffprobe promised. */
  warning?: string | null;
}

/** Where a task is in its life. */
export type BatchStatus = "pending" | "processing" | "completed" | "failed" | "cancelled";

/** What the list store holds: `tasks` once loaded, `error` of the last failed poll. */
export interface BatchList {
  tasks: BatchTask[] | undefined;
  error: string | undefined;
  loadedAt: number;
}

/** Poll delay while a task is pending or processing. */
export const ACTIVE_POLL_MS = 1_000;
/** Poll delay while every task has finished. */
export const IDLE_POLL_MS = 10_000;

/** True while the task can still change (so the list keeps polling fast, and cancel applies). */
export function isActive(status: string): boolean {
  return status === "pending" || status === "processing";
}

/** Milliseconds until the next poll: back off after `failures`, fast while anything is active. */
export function nextPollDelay(tasks: readonly BatchTask[] | undefined, failures: number): number {
  if (failures > 0) return backoffDelay(failures - 1);
  return tasks?.some((t) => isActive(t.status)) ? ACTIVE_POLL_MS : IDLE_POLL_MS;
}

/** The task list store. */
export const $batchTasks = atom<BatchList>({ tasks: undefined, error: undefined, loadedAt: 0 });

let timer: ReturnType<typeof setTimeout> | undefined;
let failures = 0;
/** Bumped on every mount and unmount, so a poll of an earlier mount schedules nothing. */
let generation = 0;
let mounted = false;
/** Requests are numbered so a slow earlier answer never overwrites a newer one. */
let sent = 0;
let applied = 0;

async function load(): Promise<void> {
  const seq = ++sent;
  try {
    const { tasks } = await api<{ tasks: BatchTask[] }>("/api/batch");
    if (seq < applied) return;
    applied = seq;
    failures = 0;
    $batchTasks.set({ tasks, error: undefined, loadedAt: Date.now() });
  } catch (err) {
    if (seq < applied) return;
    applied = seq;
    failures++;
    $batchTasks.set({ ...$batchTasks.get(), error: errorText(err) });
  }
}

function schedule(gen: number): void {
  clearTimeout(timer);
  if (!mounted || gen !== generation) return;
  const delay = nextPollDelay($batchTasks.get().tasks, failures);
  timer = setTimeout(async () => {
    await load();
    schedule(gen);
  }, delay);
}

onMount($batchTasks, () => {
  mounted = true;
  const gen = ++generation;
  void load().then(() => schedule(gen));
  return () => {
    mounted = false;
    generation++;
    clearTimeout(timer);
  };
});

/** Re-reads the list now (after an upload, cancel or delete) and restarts the poll timer. */
export async function refreshBatchTasks(): Promise<void> {
  await load();
  schedule(generation);
}

const taskPath = (id: string) => `/api/batch/${encodeURIComponent(id)}`;

/** Cancels a pending or processing task (409 once it has finished), then refreshes the list. */
export async function cancelBatchTask(id: string): Promise<void> {
  try {
    await api(`${taskPath(id)}/cancel`, { method: "POST" });
  } finally {
    await refreshBatchTasks();
  }
}

/** Deletes a task with its rows and files, then refreshes the list. */
export async function deleteBatchTask(id: string): Promise<void> {
  try {
    await api(taskPath(id), { method: "DELETE" });
  } finally {
    await refreshBatchTasks();
  }
}

/** The download URL of a task's rows. */
export function resultsUrl(id: string, format: "csv" | "json"): string {
  return `${taskPath(id)}/results?format=${format}`;
}
