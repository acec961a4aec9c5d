/** Undo/redo of the ROI list: whole-list snapshots (lists are small), bounded to 100 steps. */
import type { RoiItem } from "./types.ts";

/** Past lists, the current list and undone lists. */
export interface History {
  past: RoiItem[][];
  present: RoiItem[];
  future: RoiItem[][];
}

const LIMIT = 100;

/** A history holding only `rois` (after a load). */
export function fresh(rois: RoiItem[]): History {
  return { past: [], present: rois, future: [] };
}

/** Makes `next` current; `before` (default the current list) becomes the step undo returns to. */
export function commit(h: History, next: RoiItem[], before: RoiItem[] = h.present): History {
  if (next === before) return next === h.present ? h : { ...h, present: next };
  return { past: [...h.past, before].slice(-LIMIT), present: next, future: [] };
}

/** Shows `next` without recording a step (while dragging). */
export function preview(h: History, next: RoiItem[]): History {
  return { ...h, present: next };
}

/** One step back. */
export function undo(h: History): History {
  const prev = h.past[h.past.length - 1];
  if (!prev) return h;
  return { past: h.past.slice(0, -1), present: prev, future: [h.present, ...h.future] };
}

/** One step forward. */
export function redo(h: History): History {
  const [next, ...rest] = h.future;
  if (!next) return h;
  return { past: [...h.past, h.present], present: next, future: rest };
}
