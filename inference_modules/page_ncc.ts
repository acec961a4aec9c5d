/**
 * Page detection's fallback for templates ORB cannot place (too few keypoints, or too few of them
 * found again: small, text-only pages): normalised cross-correlation (TM_CCOEFF_NORMED, as VisionROI
 * scores pages) of the template around its saved place, at scales 0.8–1.25. A coarse pass runs on
 * downscaled pixels, a fine pass at (up to) full size around the best spot, and the score of the
 * place found is VisionROI's own: the frame's box there, grey, resized to the template, correlated.
 */
import type { Cv } from "./cv_loader.ts";
import {
  boundingBox,
  compose,
  invert,
  mapPoint,
  type Matrix3,
  rectMapping,
} from "./page_geometry.ts";
import type { Quad } from "./roi_polygon.ts";

/** Search settings; defaults in brackets. */
export interface NccSearchOptions {
  /** Smallest and largest scale of the page now against its template [0.8, 1.25]. */
  scales?: readonly [number, number];
  /** How far the page may have moved, as a share of its larger side (plus 24 px) [0.3]. */
  reach?: number;
  /** Template width in the coarse pass [160]. */
  coarseWidth?: number;
  /** Template width in the fine pass [480]. */
  fineWidth?: number;
  /** Coarse correlation below which the fine pass is skipped: nothing near is worth it [0.5]. */
  fineFrom?: number;
}

/** Where the template was found: its VisionROI score there and capture-time → now pixels. */
export interface NccFound {
  /** TM_CCOEFF_NORMED of the frame's box there against the template (−1..1). */
  score: number;
  /** Scale of the page now against its saved box. */
  scale: number;
  /** How far the box's top-left corner moved since capture, in pixels. */
  moved: number;
  /** Capture-time frame pixels → this frame. */
  transform: Matrix3;
  /** The page polygon in this frame. */
  outline: Quad;
}

/** Coarse scale step: 4 % (log). */
const STEP = Math.log(1.04);

type Rect = { x: number; y: number; width: number; height: number };

/**
 * Searches `tplGray` (the page's bounding-box crop at capture) in `frameGray` around the page's
 * saved `points`; undefined when the search area is smaller than the template at every scale.
 */
export function searchNearby(
  cv: Cv,
  frameGray: Cv,
  tplGray: Cv,
  points: Quad,
  opts: NccSearchOptions = {},
): NccFound | undefined {
  const [lo, hi] = opts.scales ?? [0.8, 1.25];
  const tw = tplGray.cols;
  const box = boundingBox(points);
  // The search area: the saved box grown to the largest scale about its centre, plus the reach.
  const cx = box.x + box.width / 2, cy = box.y + box.height / 2;
  const pad = (opts.reach ?? 0.3) * Math.max(box.width, box.height) + 24;
  const area = clip({
    x: cx - (box.width * hi) / 2 - pad,
    y: cy - (box.height * hi) / 2 - pad,
    width: box.width * hi + 2 * pad,
    height: box.height * hi + 2 * pad,
  }, frameGray);
  if (!area) return undefined;
  const coarse = Math.min(1, (opts.coarseWidth ?? 160) / tw);
  // Steps of 4 % from 1 both ways, so an unscaled page is tried at exactly its size.
  const scales: number[] = [];
  for (let k = Math.ceil(Math.log(lo) / STEP); k <= Math.floor(Math.log(hi) / STEP); k++) {
    scales.push(Math.exp(k * STEP));
  }
  if (scales[0] > lo * 1.001) scales.unshift(lo);
  if (scales.at(-1)! < hi / 1.001) scales.push(hi);
  const first = bestOver(cv, frameGray, tplGray, { area, zoom: coarse, box, scales });
  if (!first) return undefined;
  if (first.ncc < (opts.fineFrom ?? 0.5)) return found(cv, frameGray, tplGray, box, first, points);
  const fine = Math.min(1, (opts.fineWidth ?? 480) / tw);
  const slack = 2 / coarse + 4;
  const near = clip({
    x: first.x - slack,
    y: first.y - slack,
    width: box.width * first.scale * 1.05 + 2 * slack,
    height: box.height * first.scale * 1.05 + 2 * slack,
  }, frameGray);
  const fineScales = [0.98, 0.99, 0.995, 1, 1.005, 1.01, 1.02].map((k) => first.scale * k);
  const best = (near && bestOver(cv, frameGray, tplGray, {
    area: near,
    zoom: fine,
    box,
    scales: fineScales,
  })) || first;
  return found(cv, frameGray, tplGray, box, best, points);
}

function found(
  cv: Cv,
  frameGray: Cv,
  tplGray: Cv,
  box: Rect,
  best: { x: number; y: number; scale: number },
  points: Quad,
): NccFound {
  const tw = tplGray.cols, th = tplGray.rows;
  const now: Rect = {
    x: best.x,
    y: best.y,
    width: box.width * best.scale,
    height: box.height * best.scale,
  };
  const score = boxScore(cv, frameGray, tplGray, now);
  // Capture-time box → the box now: a scale about the box corner and a shift.
  const tpl = { width: tw, height: th };
  const toNow = compose(rectMapping(now, tpl), invert(rectMapping(box, tpl)));
  const outline = points.map((p) => mapPoint(toNow, p)) as Quad;
  const moved = Math.hypot(best.x - box.x, best.y - box.y);
  return { score, scale: best.scale, moved, transform: toNow, outline };
}

/**
 * VisionROI's score of an axis-aligned box (sub-pixel): the frame's pixels there sampled onto the
 * template's grid, TM_CCOEFF_NORMED against the template.
 */
export function boxScore(cv: Cv, frameGray: Cv, tplGray: Cv, rect: Rect): number {
  const sx = rect.width / tplGray.cols, sy = rect.height / tplGray.rows;
  // Template pixel centre u → frame x + (u + 0.5)·sx − 0.5 (and the same for v).
  const m = cv.matFromArray(2, 3, cv.CV_64F, [
    sx,
    0,
    rect.x + 0.5 * sx - 0.5,
    0,
    sy,
    rect.y + 0.5 * sy - 0.5,
  ]);
  const sampled = new cv.Mat();
  const result = new cv.Mat();
  try {
    const size = new cv.Size(tplGray.cols, tplGray.rows);
    const flags = cv.INTER_LINEAR + cv.WARP_INVERSE_MAP;
    cv.warpAffine(frameGray, sampled, m, size, flags, cv.BORDER_REPLICATE, new cv.Scalar());
    cv.matchTemplate(sampled, tplGray, result, cv.TM_CCOEFF_NORMED);
    const s = result.data32F[0];
    return Number.isFinite(s) ? s : 0;
  } finally {
    m.delete();
    sampled.delete();
    result.delete();
  }
}

/** The best top-left corner (frame pixels) and scale over `scales`, matched at `zoom`. */
function bestOver(
  cv: Cv,
  frameGray: Cv,
  tplGray: Cv,
  o: { area: Rect; zoom: number; box: Rect; scales: readonly number[] },
): { x: number; y: number; scale: number; ncc: number } | undefined {
  const { area, zoom } = o;
  const roi = frameGray.roi(new cv.Rect(area.x, area.y, area.width, area.height));
  const field = new cv.Mat();
  const tpl = new cv.Mat();
  const result = new cv.Mat();
  let best: { x: number; y: number; scale: number; ncc: number } | undefined;
  try {
    const fw = Math.max(1, Math.round(area.width * zoom));
    const fh = Math.max(1, Math.round(area.height * zoom));
    cv.resize(roi, field, new cv.Size(fw, fh), 0, 0, zoom < 1 ? cv.INTER_AREA : cv.INTER_LINEAR);
    for (const scale of o.scales) {
      const w = Math.round(o.box.width * scale * zoom), h = Math.round(o.box.height * scale * zoom);
      const k = w / tplGray.cols;
      if (w < 4 || h < 4 || w > fw || h > fh) continue;
      cv.resize(tplGray, tpl, new cv.Size(w, h), 0, 0, k < 1 ? cv.INTER_AREA : cv.INTER_LINEAR);
      cv.matchTemplate(field, tpl, result, cv.TM_CCOEFF_NORMED);
      const { maxVal, maxLoc } = cv.minMaxLoc(result);
      if (Number.isFinite(maxVal) && (!best || maxVal > best.ncc)) {
        best = { x: area.x + maxLoc.x / zoom, y: area.y + maxLoc.y / zoom, scale, ncc: maxVal };
      }
    }
    return best;
  } finally {
    roi.delete();
    field.delete();
    tpl.delete();
    result.delete();
  }
}

/** `r` rounded to whole pixels and cut to the image; undefined when nothing is left. */
function clip(r: Rect, img: Cv): Rect | undefined {
  const x0 = Math.max(0, Math.floor(r.x)), y0 = Math.max(0, Math.floor(r.y));
  const x1 = Math.min(img.cols, Math.ceil(r.x + r.width));
  const y1 = Math.min(img.rows, Math.ceil(r.y + r.height));
  return x1 > x0 && y1 > y0 ? { x: x0, y: y0, width: x1 - x0, height: y1 - y0 } : undefined;
}
