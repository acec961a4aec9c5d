/** Pure geometry of the ROI editor, in frame pixels: corner order, rectangles, moves, bounds. */
import type { Point } from "./types.ts";

/** Frame size in pixels. */
export interface Size {
  width: number;
  height: number;
}

const round1 = (v: number) => Math.round(v * 10) / 10;

/** Keeps a point inside the frame, rounded to 0.1 px. */
export function clampPoint(p: Point, size: Size): Point {
  return {
    x: round1(Math.min(Math.max(p.x, 0), size.width)),
    y: round1(Math.min(Math.max(p.y, 0), size.height)),
  };
}

/**
 * Orders 4 corners as TL, TR, BR, BL (clockwise on screen, starting nearest the top-left), so a
 * crop is never mirrored or rotated whatever order the user clicked in (VisionROI kept click order).
 */
export function orderCorners(points: Point[]): Point[] {
  const cx = points.reduce((s, p) => s + p.x, 0) / points.length;
  const cy = points.reduce((s, p) => s + p.y, 0) / points.length;
  const byAngle = [...points].sort((a, b) =>
    Math.atan2(a.y - cy, a.x - cx) - Math.atan2(b.y - cy, b.x - cx)
  );
  let start = 0;
  for (let i = 1; i < byAngle.length; i++) {
    const p = byAngle[i], s = byAngle[start];
    if (p.x + p.y < s.x + s.y) start = i;
  }
  return [...byAngle.slice(start), ...byAngle.slice(0, start)];
}

/** The rectangle spanned by two opposite corners as TL, TR, BR, BL. */
export function rectFrom(a: Point, b: Point): Point[] {
  const x0 = Math.min(a.x, b.x), x1 = Math.max(a.x, b.x);
  const y0 = Math.min(a.y, b.y), y1 = Math.max(a.y, b.y);
  return [{ x: x0, y: y0 }, { x: x1, y: y0 }, { x: x1, y: y1 }, { x: x0, y: y1 }];
}

/** Bounding box of points. */
export function bbox(points: Point[]): { x: number; y: number; w: number; h: number } {
  const xs = points.map((p) => p.x), ys = points.map((p) => p.y);
  const x = Math.min(...xs), y = Math.min(...ys);
  return { x, y, w: Math.max(...xs) - x, h: Math.max(...ys) - y };
}

/** Moves points by (dx, dy), stopping at the frame edges so the shape keeps its form. */
export function movePoints(points: Point[], d: Point, size: Size): Point[] {
  const b = bbox(points);
  const dx = Math.min(Math.max(d.x, -b.x), size.width - b.x - b.w);
  const dy = Math.min(Math.max(d.y, -b.y), size.height - b.y - b.h);
  return points.map((p) => ({ x: round1(p.x + dx), y: round1(p.y + dy) }));
}

/** Polygon area (shoelace), to refuse degenerate shapes. */
export function area(points: Point[]): number {
  let s = 0;
  for (let i = 0; i < points.length; i++) {
    const a = points[i], b = points[(i + 1) % points.length];
    s += a.x * b.y - b.x * a.y;
  }
  return Math.abs(s) / 2;
}

/** The next free id `roi_<n>` (or `page_<n>`). */
export function nextId(prefix: string, taken: Iterable<string>): string {
  const used = new Set(taken);
  for (let n = 1;; n++) if (!used.has(`${prefix}_${n}`)) return `${prefix}_${n}`;
}

/** The visible part of the frame: top-left corner and zoom (1 = whole frame). */
export interface View {
  x: number;
  y: number;
  zoom: number;
}

/** Zooms `view` by `factor` keeping frame point `at` under the pointer. */
export function zoomAt(view: View, factor: number, at: Point, size: Size): View {
  const zoom = Math.min(8, Math.max(1, view.zoom * factor));
  const k = view.zoom / zoom;
  return clampView({ zoom, x: at.x - (at.x - view.x) * k, y: at.y - (at.y - view.y) * k }, size);
}

/** Keeps the visible part inside the frame. */
export function clampView(v: View, size: Size): View {
  const w = size.width / v.zoom, h = size.height / v.zoom;
  return {
    zoom: v.zoom,
    x: Math.min(Math.max(v.x, 0), size.width - w),
    y: Math.min(Math.max(v.y, 0), size.height - h),
  };
}
