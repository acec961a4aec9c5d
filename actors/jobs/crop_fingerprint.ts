/**
 * `skip_unchanged`: a cheap fingerprint of a ROI's rectified crop, to tell whether it changed since
 * it was last read. The quad is sampled on a small grid (at most 32 cells on the long side, 4×4
 * points per cell averaged: a downscale that blurs), as luminance; two fingerprints are alike when
 * the mean absolute difference of their cells is under {@linkcode SKIP_MEAN_THRESHOLD} and no cell
 * moved more than {@linkcode SKIP_CELL_THRESHOLD} (a decimal point or one segment appearing shows
 * in its cells even where the mean barely moves). Pure: no I/O; about 0.1 ms per ROI.
 *
 * Calibrated on the HMI panel photo (shared fixtures): JPEG q50 re-encoding moves a text ROI's
 * cells by a mean of 0.8–1.4 and at most 9; replacing one value by another ("87" → "80",
 * "15/09/2025" → "11:26:06") moves some cell by 48–106. A 2 % exposure change (mean ≈ 4.4) counts
 * as a change: it is read again, which costs a read and never a wrong reading.
 */
import type { Frame } from "../frame_sources/frame.ts";
import type { Quad } from "../../inference_modules/roi_polygon.ts";

/** Mean absolute difference of cells (0..255) under which a crop counts as unchanged. */
export const SKIP_MEAN_THRESHOLD = 2.5;
/** Largest single-cell difference (0..255) a crop may show and still count as unchanged. */
export const SKIP_CELL_THRESHOLD = 20;
/** Cells on the crop's long side. */
const LONG_CELLS = 32;
/** Samples per cell side (SxS points averaged per cell). */
const SAMPLES = 4;

/** A crop's fingerprint: `cols`×`rows` cell luminances. */
export interface Fingerprint {
  cols: number;
  rows: number;
  cells: Float32Array;
}

/** Samples the quad (TL, TR, BR, BL) of `frame` into a fingerprint. */
export function fingerprint(frame: Frame, quad: Quad): Fingerprint {
  const [tl, tr, br, bl] = quad;
  const w = Math.max(Math.hypot(tr.x - tl.x, tr.y - tl.y), Math.hypot(br.x - bl.x, br.y - bl.y));
  const h = Math.max(Math.hypot(bl.x - tl.x, bl.y - tl.y), Math.hypot(br.x - tr.x, br.y - tr.y));
  const long = Math.max(w, h, 1);
  const cols = Math.max(1, Math.min(LONG_CELLS, Math.round((LONG_CELLS * w) / long)));
  const rows = Math.max(1, Math.min(LONG_CELLS, Math.round((LONG_CELLS * h) / long)));
  const cells = new Float32Array(cols * rows);
  const { data, width, height } = frame;
  const n = SAMPLES * SAMPLES;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      let sum = 0;
      for (let sy = 0; sy < SAMPLES; sy++) {
        const v = (r + (sy + 0.5) / SAMPLES) / rows;
        for (let sx = 0; sx < SAMPLES; sx++) {
          const u = (c + (sx + 0.5) / SAMPLES) / cols;
          // Bilinear position inside the quad.
          const topX = tl.x + (tr.x - tl.x) * u;
          const topY = tl.y + (tr.y - tl.y) * u;
          const botX = bl.x + (br.x - bl.x) * u;
          const botY = bl.y + (br.y - bl.y) * u;
          const x = Math.min(width - 1, Math.max(0, Math.round(topX + (botX - topX) * v)));
          const y = Math.min(height - 1, Math.max(0, Math.round(topY + (botY - topY) * v)));
          const i = (y * width + x) * 4;
          sum += 0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2];
        }
      }
      cells[r * cols + c] = sum / n;
    }
  }
  return { cols, rows, cells };
}

/** How far apart two fingerprints are: mean and largest cell difference; Infinity when not comparable. */
export function difference(a: Fingerprint, b: Fingerprint): { mean: number; max: number } {
  if (a.cols !== b.cols || a.rows !== b.rows) return { mean: Infinity, max: Infinity };
  let sum = 0;
  let max = 0;
  for (let i = 0; i < a.cells.length; i++) {
    const d = Math.abs(a.cells[i] - b.cells[i]);
    sum += d;
    if (d > max) max = d;
  }
  return { mean: sum / a.cells.length, max };
}

/** Whether the crop looks the same as the one fingerprinted before. */
export function unchanged(a: Fingerprint, b: Fingerprint): boolean {
  const d = difference(a, b);
  return d.mean < SKIP_MEAN_THRESHOLD && d.max < SKIP_CELL_THRESHOLD;
}
