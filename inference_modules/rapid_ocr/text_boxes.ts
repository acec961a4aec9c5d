/**
 * DB post-processing: text boxes from the detector's probability map (threshold, contours,
 * minimum-area rectangles, box score, unclip), scaled back to crop pixels.
 */
import type { Cv } from "../cv_loader.ts";

/** A point in crop pixels. */
export interface Pt {
  x: number;
  y: number;
}

/** A detected text box: 4 corners TL, TR, BR, BL in crop pixels, and its mean probability. */
export interface TextBox {
  /** Corners, clockwise from top-left. */
  points: [Pt, Pt, Pt, Pt];
  /** Mean text probability inside the box. */
  score: number;
}

/** Options of {@linkcode textBoxes}, PaddleOCR's defaults. */
export interface TextBoxOptions {
  /** Pixel probability that counts as text (default 0.3). */
  threshold?: number;
  /** Minimum mean probability of a box (default 0.6). */
  boxThreshold?: number;
  /** How far boxes grow back: area × ratio / perimeter (default 1.6). */
  unclipRatio?: number;
  /** Size of the probability map and of the crop it maps back to. */
  map: { width: number; height: number };
  crop: { width: number; height: number };
}

/** Corners of a rotated rectangle, ordered TL, TR, BR, BL. */
export function rectCorners(
  r: { center: Pt; size: { width: number; height: number }; angle: number },
): [Pt, Pt, Pt, Pt] {
  const a = (r.angle * Math.PI) / 180, c = Math.cos(a), s = Math.sin(a);
  const hw = r.size.width / 2, hh = r.size.height / 2;
  const pts = [[-hw, -hh], [hw, -hh], [hw, hh], [-hw, hh]].map(([x, y]) => ({
    x: r.center.x + x * c - y * s,
    y: r.center.y + x * s + y * c,
  }));
  return orderCorners(pts);
}

/** Orders 4 points TL, TR, BR, BL (by x, then y within each side, as PaddleOCR's get_mini_boxes). */
export function orderCorners(pts: Pt[]): [Pt, Pt, Pt, Pt] {
  const byX = [...pts].sort((p, q) => p.x - q.x);
  const [l1, l2] = byX[0].y <= byX[1].y ? [byX[0], byX[1]] : [byX[1], byX[0]];
  const [r1, r2] = byX[2].y <= byX[3].y ? [byX[2], byX[3]] : [byX[3], byX[2]];
  return [l1, r1, r2, l2];
}

function insideConvex(q: [Pt, Pt, Pt, Pt], x: number, y: number): boolean {
  let sign = 0;
  for (let i = 0; i < 4; i++) {
    const a = q[i], b = q[(i + 1) % 4];
    const cross = (b.x - a.x) * (y - a.y) - (b.y - a.y) * (x - a.x);
    if (cross !== 0) {
      if (sign === 0) sign = Math.sign(cross);
      else if (Math.sign(cross) !== sign) return false;
    }
  }
  return true;
}

/** Mean probability inside a quad of the map (PaddleOCR's box_score_fast). */
export function boxScore(prob: Float32Array, mapWidth: number, q: [Pt, Pt, Pt, Pt]): number {
  const mapHeight = prob.length / mapWidth;
  const xs = q.map((p) => p.x), ys = q.map((p) => p.y);
  const x0 = Math.max(0, Math.floor(Math.min(...xs))),
    x1 = Math.min(mapWidth - 1, Math.ceil(Math.max(...xs)));
  const y0 = Math.max(0, Math.floor(Math.min(...ys))),
    y1 = Math.min(mapHeight - 1, Math.ceil(Math.max(...ys)));
  let sum = 0, n = 0;
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      if (insideConvex(q, x, y)) (sum += prob[y * mapWidth + x]), n++;
    }
  }
  return n ? sum / n : 0;
}

/** Text boxes of one probability map, in crop pixels. */
export function textBoxes(cv: Cv, prob: Float32Array, opts: TextBoxOptions): TextBox[] {
  const { map, crop } = opts;
  const bitmap = new cv.Mat(map.height, map.width, cv.CV_8UC1);
  const threshold = opts.threshold ?? 0.3;
  const bits: Uint8Array = bitmap.data;
  for (let i = 0; i < prob.length; i++) bits[i] = prob[i] > threshold ? 255 : 0;
  const contours = new cv.MatVector();
  const hierarchy = new cv.Mat();
  const boxes: TextBox[] = [];
  try {
    cv.findContours(bitmap, contours, hierarchy, cv.RETR_LIST, cv.CHAIN_APPROX_SIMPLE);
    for (let i = 0; i < Math.min(contours.size(), 1000); i++) {
      const contour = contours.get(i);
      const rect = cv.minAreaRect(contour);
      contour.delete();
      const box = boxFromRect(prob, rect, opts);
      if (box) boxes.push(box);
    }
  } finally {
    bitmap.delete();
    contours.delete();
    hierarchy.delete();
  }
  const sx = crop.width / map.width, sy = crop.height / map.height;
  const clamp = (v: number, hi: number) => Math.max(0, Math.min(hi, v));
  for (const b of boxes) {
    b.points = b.points.map((p) => ({
      x: clamp(p.x * sx, crop.width),
      y: clamp(p.y * sy, crop.height),
    })) as [Pt, Pt, Pt, Pt];
  }
  return boxes;
}

type RotRect = { center: Pt; size: { width: number; height: number }; angle: number };

function boxFromRect(prob: Float32Array, rect: RotRect, opts: TextBoxOptions): TextBox | undefined {
  const { width: w, height: h } = rect.size;
  if (Math.min(w, h) < 3) return undefined;
  const score = boxScore(prob, opts.map.width, rectCorners(rect));
  if (score < (opts.boxThreshold ?? 0.6)) return undefined;
  const d = (w * h * (opts.unclipRatio ?? 1.6)) / (2 * (w + h));
  const grown = {
    center: rect.center,
    size: { width: w + 2 * d, height: h + 2 * d },
    angle: rect.angle,
  };
  if (Math.min(grown.size.width, grown.size.height) < 5) return undefined;
  return { points: rectCorners(grown), score };
}
