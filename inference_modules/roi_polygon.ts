/**
 * Pure ROI geometry checks (no opencv): usable on the main thread before any worker sees a task,
 * so a bad polygon becomes that ROI's error message instead of an OpenCV assertion.
 */

/** One corner in frame pixels. */
export interface Point {
  /** Column, 0 at the left edge. */
  x: number;
  /** Row, 0 at the top edge. */
  y: number;
}

/** Four corners in VisionROI order: top-left, top-right, bottom-right, bottom-left. */
export type Quad = [Point, Point, Point, Point];

/** An axis-aligned rectangle (VisionROI's legacy ROI form). */
export interface RoiRect {
  /** Left edge. */
  x: number;
  /** Top edge. */
  y: number;
  /** Width in pixels, > 0. */
  width: number;
  /** Height in pixels, > 0. */
  height: number;
}

/** Frame size the polygon must lie inside. */
export interface FrameSize {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
}

/** How far (pixels) a corner may lie outside the frame: clicks on the very edge land there. */
export const OUTSIDE_TOLERANCE_PX = 1;

/**
 * Checks an ROI's `points` (4 corners) or `{x,y,width,height}` rectangle and returns the quad.
 * Throws a RangeError whose message names the ROI and the problem: `ROI "3": points must have 4
 * corners, got 2`.
 */
export function validateRoiPolygon(roiId: string, shape: unknown, frame?: FrameSize): Quad {
  const fail = (problem: string): never => {
    throw new RangeError(`ROI "${roiId}": ${problem}`);
  };
  const quad = toQuad(shape, fail);
  checkShape(quad, fail);
  if (frame) checkInside(quad, frame, fail);
  return quad;
}

function toQuad(shape: unknown, fail: (problem: string) => never): Quad {
  if (Array.isArray(shape)) {
    if (shape.length !== 4) fail(`points must have 4 corners, got ${shape.length}`);
    return shape.map((p, i) => toPoint(p, i, fail)) as Quad;
  }
  if (shape !== null && typeof shape === "object" && "width" in shape) {
    const r = shape as Record<string, unknown>;
    for (const k of ["x", "y", "width", "height"]) {
      if (typeof r[k] !== "number" || !Number.isFinite(r[k])) {
        fail(`rectangle ${k} must be a finite number, got ${JSON.stringify(r[k]) ?? "nothing"}`);
      }
    }
    const { x, y, width, height } = r as unknown as RoiRect;
    if (width <= 0 || height <= 0) {
      fail(`rectangle must have a positive size, got ${width}×${height}`);
    }
    return [{ x, y }, { x: x + width, y }, { x: x + width, y: y + height }, { x, y: y + height }];
  }
  return fail(`points must be an array of 4 {x, y} corners, got ${describe(shape)}`);
}

function toPoint(p: unknown, i: number, fail: (problem: string) => never): Point {
  if (p === null || typeof p !== "object") {
    fail(`corner ${i + 1} must be {x, y}, got ${describe(p)}`);
  }
  const { x, y } = p as Record<string, unknown>;
  for (const [k, v] of [["x", x], ["y", y]] as const) {
    if (typeof v !== "number" || !Number.isFinite(v)) {
      fail(`corner ${i + 1} has a non-finite ${k} (${describe(v)})`);
    }
  }
  return { x: x as number, y: y as number };
}

function describe(v: unknown): string {
  if (typeof v === "number") return String(v);
  if (v === undefined) return "nothing";
  const s = JSON.stringify(v);
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

function cross(o: Point, a: Point, b: Point): number {
  return (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x);
}

function checkShape(q: Quad, fail: (problem: string) => never): void {
  for (let i = 0; i < 4; i++) {
    for (let j = i + 1; j < 4; j++) {
      if (Math.hypot(q[i].x - q[j].x, q[i].y - q[j].y) < 0.5) {
        fail(`corners ${i + 1} and ${j + 1} coincide (degenerate polygon)`);
      }
    }
  }
  const area = Math.abs(
    q.reduce((s, p, i) => s + p.x * q[(i + 1) % 4].y - q[(i + 1) % 4].x * p.y, 0) / 2,
  );
  if (segmentsCross(q[0], q[1], q[2], q[3]) || segmentsCross(q[1], q[2], q[3], q[0])) {
    fail("polygon crosses itself (bow-tie): corners must go TL, TR, BR, BL around the shape");
  }
  if (area < 1) fail(`polygon has zero area (${area.toFixed(2)} px²): corners are collinear`);
  const turns = q.map((_, i) => cross(q[i], q[(i + 1) % 4], q[(i + 2) % 4]));
  for (let i = 0; i < 4; i++) {
    const a = q[i], b = q[(i + 1) % 4], c = q[(i + 2) % 4];
    const scale = Math.hypot(b.x - a.x, b.y - a.y) * Math.hypot(c.x - b.x, c.y - b.y);
    if (Math.abs(turns[i]) < 1e-3 * scale) {
      fail(
        `corners ${i + 1}, ${((i + 1) % 4) + 1}, ${((i + 2) % 4) + 1} are collinear (degenerate)`,
      );
    }
  }
  if (!turns.every((t) => t > 0) && !turns.every((t) => t < 0)) {
    fail("polygon is not convex: a perspective crop needs 4 corners of a convex quadrilateral");
  }
}

function segmentsCross(a: Point, b: Point, c: Point, d: Point): boolean {
  const d1 = cross(c, d, a), d2 = cross(c, d, b), d3 = cross(a, b, c), d4 = cross(a, b, d);
  return ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0));
}

function checkInside(q: Quad, frame: FrameSize, fail: (problem: string) => never): void {
  const t = OUTSIDE_TOLERANCE_PX;
  const outside = q.findIndex((p) =>
    p.x < -t || p.y < -t || p.x > frame.width + t || p.y > frame.height + t
  );
  if (outside >= 0) {
    const p = q[outside];
    const all = q.every((p) =>
      p.x < -t || p.y < -t || p.x > frame.width + t || p.y > frame.height + t
    );
    fail(
      `corner ${
        outside + 1
      } (x=${p.x}, y=${p.y}) lies outside the ${frame.width}×${frame.height} frame` +
        (all ? " (the whole polygon is outside)" : ""),
    );
  }
}

/** Output size of the rectified crop, as VisionROI computes it: longest opposite edges, ≥ 1. */
export function cropSize(q: Quad): { width: number; height: number } {
  const d = (a: Point, b: Point) => Math.hypot(a.x - b.x, a.y - b.y);
  return {
    width: Math.max(1, Math.round(Math.max(d(q[0], q[1]), d(q[2], q[3])))),
    height: Math.max(1, Math.round(Math.max(d(q[0], q[3]), d(q[1], q[2])))),
  };
}

/** The quad's axis-aligned bounding box widened by half its size per side, clamped to the frame. */
export function surroundBox(q: Quad, frame: FrameSize): {
  outer: RoiRect;
  inner: RoiRect;
} {
  const x0 = Math.max(0, Math.floor(Math.min(...q.map((p) => p.x))));
  const y0 = Math.max(0, Math.floor(Math.min(...q.map((p) => p.y))));
  const x1 = Math.min(frame.width, Math.ceil(Math.max(...q.map((p) => p.x))));
  const y1 = Math.min(frame.height, Math.ceil(Math.max(...q.map((p) => p.y))));
  const w = Math.max(1, x1 - x0), h = Math.max(1, y1 - y0);
  const ox0 = Math.max(0, x0 - Math.floor(w / 2)), oy0 = Math.max(0, y0 - Math.floor(h / 2));
  const ox1 = Math.min(frame.width, x0 + w + Math.floor(w / 2));
  const oy1 = Math.min(frame.height, y0 + h + Math.floor(h / 2));
  return {
    outer: { x: ox0, y: oy0, width: Math.max(1, ox1 - ox0), height: Math.max(1, oy1 - oy0) },
    inner: { x: x0 - ox0, y: y0 - oy0, width: w, height: h },
  };
}
