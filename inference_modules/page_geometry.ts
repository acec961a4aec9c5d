/**
 * 3×3 homography arithmetic for page detection, pure (no opencv) so the main thread can move ROIs
 * with it, plus the sanity checks that reject a degenerate match before anyone trusts it.
 */
import type { Point, Quad } from "./roi_polygon.ts";

/** A 3×3 matrix, row-major, mapping (x, y, 1) column vectors. */
export type Matrix3 = [number, number, number, number, number, number, number, number, number];

/** The identity mapping. */
export const IDENTITY: Matrix3 = [1, 0, 0, 0, 1, 0, 0, 0, 1];

/** Where `m` sends `p`; NaN coordinates when `p` maps to infinity. */
export function mapPoint(m: Matrix3, p: Point): Point {
  const w = m[6] * p.x + m[7] * p.y + m[8];
  if (Math.abs(w) < 1e-12) return { x: NaN, y: NaN };
  return { x: (m[0] * p.x + m[1] * p.y + m[2]) / w, y: (m[3] * p.x + m[4] * p.y + m[5]) / w };
}

/** `a ∘ b`: first `b`, then `a`. */
export function compose(a: Matrix3, b: Matrix3): Matrix3 {
  const r = new Array(9).fill(0) as Matrix3;
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      for (let k = 0; k < 3; k++) r[i * 3 + j] += a[i * 3 + k] * b[k * 3 + j];
    }
  }
  return r;
}

/** The inverse of `m`; throws RangeError when `m` is singular. */
export function invert(m: Matrix3): Matrix3 {
  const [a, b, c, d, e, f, g, h, i] = m;
  const A = e * i - f * h, B = -(d * i - f * g), C = d * h - e * g;
  const det = a * A + b * B + c * C;
  if (!Number.isFinite(det) || Math.abs(det) < 1e-12) {
    throw new RangeError(`homography is singular (det ${det})`);
  }
  const inv = [
    A,
    -(b * i - c * h),
    b * f - c * e,
    B,
    a * i - c * g,
    -(a * f - c * d),
    C,
    -(a * h - b * g),
    a * e - b * d,
  ];
  return inv.map((v) => v / det) as Matrix3;
}

/** The axis-aligned rectangle (x, y, w, h) scaled from a `from`-sized image: template pixels → frame pixels. */
export function rectMapping(
  rect: { x: number; y: number; width: number; height: number },
  from: { width: number; height: number },
): Matrix3 {
  const sx = rect.width / from.width, sy = rect.height / from.height;
  return [sx, 0, rect.x, 0, sy, rect.y, 0, 0, 1];
}

/** The bounding box of a polygon (VisionROI's page template is the bbox crop of the page). */
export function boundingBox(points: readonly Point[]) {
  const xs = points.map((p) => p.x), ys = points.map((p) => p.y);
  const x = Math.min(...xs), y = Math.min(...ys);
  return { x, y, width: Math.max(...xs) - x, height: Math.max(...ys) - y };
}

/** Signed area of a polygon (positive when its corners go clockwise in image coordinates). */
export function signedArea(q: readonly Point[]): number {
  let s = 0;
  for (let i = 0; i < q.length; i++) {
    const a = q[i], b = q[(i + 1) % q.length];
    s += a.x * b.y - b.x * a.y;
  }
  return s / 2;
}

/** Limits of a believable page match; every field is documented with its default. */
export interface QuadLimits {
  /** Smallest projected area, as a fraction of the frame; default 0.002 (a page under ~0.2 % of the view is noise). */
  minAreaFraction?: number;
  /** Largest scale change (either way) between the template and the projected page; default 8. */
  maxScale?: number;
}

/**
 * Why the template's outline, projected by a homography, is not a believable page, or undefined
 * when it is: a projected page must stay a convex quad with the template's orientation (no
 * mirror), of a sane size, and its four corners finite.
 */
export function degenerateReason(
  projected: Quad,
  template: { width: number; height: number },
  frame: { width: number; height: number },
  limits: QuadLimits = {},
): string | undefined {
  if (projected.some((p) => !Number.isFinite(p.x) || !Number.isFinite(p.y))) {
    return "a corner maps to infinity";
  }
  const turns = projected.map((a, i) => {
    const b = projected[(i + 1) % 4], c = projected[(i + 2) % 4];
    return (b.x - a.x) * (c.y - b.y) - (b.y - a.y) * (c.x - b.x);
  });
  if (!turns.every((t) => t > 0)) return "projected page is not a convex, unmirrored quad";
  const area = signedArea(projected);
  const minArea = (limits.minAreaFraction ?? 0.002) * frame.width * frame.height;
  if (area < minArea) return `projected page is tiny (${Math.round(area)} px²)`;
  const scale = Math.sqrt(area / (template.width * template.height));
  const maxScale = limits.maxScale ?? 8;
  if (scale > maxScale || scale < 1 / maxScale) {
    return `extreme scale ${scale.toFixed(3)} between template and frame`;
  }
  return undefined;
}

/** The four corners of a `width`×`height` image, TL, TR, BR, BL. */
export function imageCorners(size: { width: number; height: number }): Quad {
  const { width: w, height: h } = size;
  return [{ x: 0, y: 0 }, { x: w, y: 0 }, { x: w, y: h }, { x: 0, y: h }];
}

/**
 * ROI `points` moved by `m`: a list of `{x, y}` corners, or a `{x, y, width, height}` rectangle as
 * its 4 corners. Any other shape is returned unchanged, for the pool to reject with its message.
 */
export function mapShape(m: Matrix3, shape: unknown): unknown {
  const num = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
  const isPoint = (p: unknown): p is Point =>
    p !== null && typeof p === "object" && num((p as Point).x) && num((p as Point).y);
  if (Array.isArray(shape)) return shape.every(isPoint) ? shape.map((p) => mapPoint(m, p)) : shape;
  if (shape === null || typeof shape !== "object") return shape;
  const r = shape as Record<string, unknown>;
  if (!num(r.x) || !num(r.y) || !num(r.width) || !num(r.height)) return shape;
  const { x, y, width: w, height: h } = r as {
    x: number;
    y: number;
    width: number;
    height: number;
  };
  return [{ x, y }, { x: x + w, y }, { x: x + w, y: y + h }, { x, y: y + h }].map((p) =>
    mapPoint(m, p)
  );
}
