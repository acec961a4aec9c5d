/**
 * `batchResultsStore(id)`: one task and its result rows (`GET /api/batch/<id>` and
 * `/results?format=json`), loaded with the first listener and reloaded every 2 s while the task is
 * pending or processing; plus the numeric values as a chart series over video time.
 */
import { atom, onMount, type WritableAtom } from "nanostores";
import { api, ApiError, errorText } from "./api.ts";
import { type BatchTask, isActive, resultsUrl } from "./batch.ts";
import type { Series } from "./results.ts";

/** One row of a task's results: a frame × ROI reading. */
export interface BatchRow {
  task_id: string;
  frame_index: number;
  /** Seconds into the video; null for images. */
  frame_time: number | null;
  roi_id: string;
  name: string;
  module: string;
  text: string;
  value: number | null;
  confidence: number | null;
  /** Seconds the read took. */
  duration: number;
  error: string | null;
}

/** What a task's results store holds. */
export interface BatchResults {
  task: BatchTask | undefined;
  rows: BatchRow[] | undefined;
  error: string | undefined;
  /** True when the task does not exist (or is not this user's). */
  missing: boolean;
}

/** Reload delay while the task is still running. */
export const RESULTS_POLL_MS = 2_000;

/** The label of a row's ROI in plots: its name, else its id. */
export function roiLabel(row: Pick<BatchRow, "roi_id" | "name">): string {
  return row.name || row.roi_id;
}

/**
 * The numeric values of `rows` as one column per ROI over the frame's video time (its index for
 * images), so `time` tells whether the x values are seconds. ROIs that never read a number are left
 * out.
 */
export function seriesOfRows(rows: readonly BatchRow[]): { series: Series; time: boolean } {
  const time = rows.length > 0 && rows.every((r) => r.frame_time !== null);
  const frames = new Map<number, number>();
  for (const r of rows) {
    if (!frames.has(r.frame_index)) frames.set(r.frame_index, time ? r.frame_time! : r.frame_index);
  }
  const order = [...frames.keys()].sort((a, b) => a - b);
  const at = new Map(order.map((f, i) => [f, i]));
  const columns: Record<string, (number | null)[]> = {};
  for (const r of rows) {
    if (typeof r.value !== "number" || !Number.isFinite(r.value)) continue;
    const col = columns[roiLabel(r)] ??= order.map(() => null);
    col[at.get(r.frame_index)!] = r.value;
  }
  return { series: { times: order.map((f) => frames.get(f)!), columns }, time };
}

async function load(id: string, store: WritableAtom<BatchResults>): Promise<void> {
  try {
    const task = await api<BatchTask>(`/api/batch/${encodeURIComponent(id)}`);
    const before = store.get();
    // The rows change only with the frame count (or the final status): skip the big download.
    const same = before.rows && before.task?.frames_done === task.frames_done &&
      before.task.status === task.status;
    const rows = same
      ? before.rows
      : (await api<{ rows: BatchRow[] }>(resultsUrl(id, "json"))).rows;
    store.set({ task, rows, error: undefined, missing: false });
  } catch (err) {
    const missing = err instanceof ApiError && err.status === 404;
    store.set({ ...store.get(), error: errorText(err), missing });
  }
}

/** A results store of task `id` (make one per page: nothing is cached, so the server keeps none). */
export function batchResultsStore(id: string): WritableAtom<BatchResults> {
  const store = atom<BatchResults>({
    task: undefined,
    rows: undefined,
    error: undefined,
    missing: false,
  });
  onMount(store, () => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      await load(id, store);
      const { task, missing } = store.get();
      if (stopped || missing || (task && !isActive(task.status))) return;
      timer = setTimeout(tick, RESULTS_POLL_MS);
    };
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  });
  return store;
}
