/** Detection candidates from YOLOv8's output and per-class non-maximum suppression. */
import type { Box } from "./letterbox.ts";

/** One candidate detection in input pixels. */
export interface Candidate {
  /** Class index. */
  classId: number;
  /** Class probability. */
  score: number;
  /** Box in input pixels. */
  box: Box;
}

/** Intersection over union of two boxes (0 when either is empty). */
export function iou(a: Box, b: Box): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / (a.width * a.height + b.width * b.height - inter);
}

/**
 * Candidates of a YOLOv8 output `[1, 4 + classes, anchors]` (cx, cy, w, h, class scores per
 * anchor) whose best class scores at least `scoreThreshold`.
 */
export function yoloCandidates(
  data: Float32Array,
  dims: readonly number[],
  scoreThreshold: number,
): Candidate[] {
  const [, rows, anchors] = dims;
  // Class-major scan (row by row) keeps reads sequential over the [classes, anchors] block.
  const best = new Int32Array(anchors);
  const bestScore = new Float32Array(anchors).fill(-Infinity);
  for (let c = 0; c < rows - 4; c++) {
    const row = (4 + c) * anchors;
    for (let a = 0; a < anchors; a++) {
      const s = data[row + a];
      if (s > bestScore[a]) (bestScore[a] = s), (best[a] = c);
    }
  }
  const out: Candidate[] = [];
  for (let a = 0; a < anchors; a++) {
    if (bestScore[a] < scoreThreshold) continue;
    const cx = data[a],
      cy = data[anchors + a],
      w = data[2 * anchors + a],
      h = data[3 * anchors + a];
    const box = { x: cx - w / 2, y: cy - h / 2, width: w, height: h };
    out.push({ classId: best[a], score: bestScore[a], box });
  }
  return out;
}

/** Greedy per-class NMS: keeps the best box and drops same-class boxes overlapping it by > `iouThreshold`. */
export function nonMaxSuppression(cands: readonly Candidate[], iouThreshold: number): Candidate[] {
  const sorted = [...cands].sort((a, b) => b.score - a.score);
  const kept: Candidate[] = [];
  for (const c of sorted) {
    const clash = kept.some((k) => k.classId === c.classId && iou(k.box, c.box) > iouThreshold);
    if (!clash) kept.push(c);
  }
  return kept;
}
