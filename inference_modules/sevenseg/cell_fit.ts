/**
 * Fits one seven-segment cell to an ink map: the cell's box, slant and stroke width that the
 * segments explain best (least squares, each segment free to be lit or not). Built for crops of
 * one digit, where the layout alone cannot say where the cell is: the digit may be cut at the
 * crop's edge, and the edge of the display's window or its frame may lie in the crop.
 */

/** A map of ink, 0..1 (1 = as dark or bright as a lit segment). */
export interface InkMap {
  w: number;
  h: number;
  d: Float32Array;
}

/** Box of a fitted cell in the sheared map (x shifted by `slant · (y − h/2)` and `dx`). */
export interface FittedCell {
  slant: number;
  /** Added to x after shearing (the map was widened so nothing fell off). */
  dx: number;
  x0: number;
  x1: number;
  y0: number;
  y1: number;
  /** Width of the vertical strokes in working pixels. */
  t: number;
  /** Height of the horizontal strokes (LCD fonts often draw them thinner). */
  th: number;
  /**
   * Per segment a..g: its ink (see `sampleSegment`), visible fraction, stroke width across it, and
   * for a and d the ink-free gaps to the neighbouring verticals (see `edgeGaps`).
   */
  segments: {
    seg: string;
    ink: number;
    visible: number;
    width: number;
    gaps: Record<string, number>;
    /** The same sample on the tone map (when given). */
    tone: number;
  }[];
  /** How well the model explains the ink (higher is better). */
  score: number;
}

/** Summed-area tables of ink and of "inside the crop" over a sheared map. */
class Sat {
  readonly w: number;
  readonly h: number;
  private ink: Float64Array;
  private valid: Float64Array;
  /** The sheared map itself; NaN outside the crop. */
  readonly px: Float32Array;
  constructor(map: InkMap, slant: number, readonly dx: number) {
    const w = map.w + 2 * dx, h = map.h;
    this.w = w;
    this.h = h;
    this.px = new Float32Array(w * h);
    this.ink = new Float64Array((w + 1) * (h + 1));
    this.valid = new Float64Array((w + 1) * (h + 1));
    for (let y = 0; y < h; y++) {
      const off = slant * (y - h / 2) + dx;
      let rowInk = 0, rowValid = 0;
      for (let x = 0; x < w; x++) {
        const sx = x - off, x0 = Math.floor(sx), f = sx - x0;
        let v = 0, ok = 0;
        if (x0 >= 0 && x0 + 1 < map.w) {
          v = map.d[y * map.w + x0] * (1 - f) + map.d[y * map.w + x0 + 1] * f;
          ok = 1;
        } else if (x0 === map.w - 1 && f < 0.5) (v = map.d[y * map.w + x0]), (ok = 1);
        if (Number.isNaN(v)) (v = 0), (ok = 0);
        rowInk += v;
        rowValid += ok;
        this.px[y * w + x] = ok ? v : NaN;
        const i = (y + 1) * (w + 1) + x + 1;
        this.ink[i] = this.ink[i - (w + 1)] + rowInk;
        this.valid[i] = this.valid[i - (w + 1)] + rowValid;
      }
    }
  }
  /** Inside-the-crop pixel count of the last {@linkcode sum}. */
  n = 0;
  /** Ink sum over [x0, x1) × [y0, y1), clipped; sets {@linkcode n}. */
  sum(x0: number, x1: number, y0: number, y1: number): number {
    const a = Math.max(0, Math.min(this.w, Math.round(x0))),
      b = Math.max(0, Math.min(this.w, Math.round(x1)));
    const c = Math.max(0, Math.min(this.h, Math.round(y0))),
      d = Math.max(0, Math.min(this.h, Math.round(y1)));
    if (b <= a || d <= c) {
      this.n = 0;
      return 0;
    }
    const W = this.w + 1, ink = this.ink, v = this.valid;
    this.n = v[d * W + b] - v[c * W + b] - v[d * W + a] + v[c * W + a];
    return ink[d * W + b] - ink[c * W + b] - ink[d * W + a] + ink[c * W + a];
  }
}

type Rect = [number, number, number, number];

interface Geometry {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
  t: number;
  th: number;
}

/** Segment rectangles (shortened at their ends, where segments meet and blur into each other). */
function segmentRects(g: Geometry): Record<string, Rect> {
  const { x0, x1, y0, y1, t, th } = g;
  const ym = (y0 + y1) / 2;
  const hx0 = x0 + t, hx1 = x1 - t, hm = Math.max(0, (hx1 - hx0) * 0.12);
  const vu0 = y0 + th, vu1 = ym - th / 2, vl0 = ym + th / 2, vl1 = y1 - th;
  const um = Math.max(0, (vu1 - vu0) * 0.12), lm = Math.max(0, (vl1 - vl0) * 0.12);
  return {
    a: [hx0 + hm, hx1 - hm, y0, y0 + th],
    b: [x1 - t, x1, vu0 + um, vu1 - um],
    c: [x1 - t, x1, vl0 + lm, vl1 - lm],
    d: [hx0 + hm, hx1 - hm, y1 - th, y1],
    e: [x0, x0 + t, vl0 + lm, vl1 - lm],
    f: [x0, x0 + t, vu0 + um, vu1 - um],
    g: [hx0 + hm, hx1 - hm, ym - th / 2, ym + th / 2],
  };
}

const CORNER_WEIGHT = 0.3;

/** Least-squares gain of the model: each segment adds what it explains when lit. */
function score(sat: Sat, g: Geometry): number {
  // Written out without allocations: it runs tens of thousands of times per crop.
  const { x0, x1, y0, y1, t, th } = g;
  const W = x1 - x0, H = y1 - y0, ym = (y0 + y1) / 2;
  const hx0 = x0 + t, hx1 = x1 - t, hm = Math.max(0, (hx1 - hx0) * 0.12);
  const vu0 = y0 + th, vu1 = ym - th / 2, vl0 = ym + th / 2, vl1 = y1 - th;
  const um = Math.max(0, (vu1 - vu0) * 0.12), lm = Math.max(0, (vl1 - vl0) * 0.12);
  const lx0 = x0 - 0.5 * t - 0.3 * W, lx1 = x0 - 0.5 * t, rx0 = x1 + 0.5 * t, rx1 = rx0 + 0.3 * W;
  const upY0 = y0 - 0.5 * th - 0.2 * H, upY1 = y0 - 0.5 * th;
  const dnY0 = y1 + 0.5 * th, dnY1 = dnY0 + 0.2 * H;
  const gain = (a: number, b: number, c: number, d: number) => {
    const ink = sat.sum(a, b, c, d);
    return sat.n < 1 ? 0 : 2 * ink - sat.n;
  };
  const beside = (c: number, d: number) =>
    1.5 * (sat.sum(lx0, lx1, c, d) + sat.sum(rx0, rx1, c, d));
  let total = 0;
  // a, g, d: a line running on beside the cell is no segment.
  total += Math.max(0, gain(hx0 + hm, hx1 - hm, y0, y0 + th) - beside(y0, y0 + th));
  total += Math.max(
    0,
    gain(hx0 + hm, hx1 - hm, ym - th / 2, ym + th / 2) - beside(ym - th / 2, ym + th / 2),
  );
  total += Math.max(0, gain(hx0 + hm, hx1 - hm, y1 - th, y1) - beside(y1 - th, y1));
  // b, f (a line running on above), c, e (below).
  total += Math.max(
    0,
    gain(x1 - t, x1, vu0 + um, vu1 - um) - 1.5 * sat.sum(x1 - t, x1, upY0, upY1),
  );
  total += Math.max(
    0,
    gain(x0, x0 + t, vu0 + um, vu1 - um) - 1.5 * sat.sum(x0, x0 + t, upY0, upY1),
  );
  total += Math.max(
    0,
    gain(x1 - t, x1, vl0 + lm, vl1 - lm) - 1.5 * sat.sum(x1 - t, x1, dnY0, dnY1),
  );
  total += Math.max(
    0,
    gain(x0, x0 + t, vl0 + lm, vl1 - lm) - 1.5 * sat.sum(x0, x0 + t, dnY0, dnY1),
  );
  // The counters (the holes of an 8) are never lit.
  const m = t * 0.3, mh = th * 0.3;
  total -= 1.5 * sat.sum(hx0 + m, hx1 - m, y0 + th + mh, ym - th / 2 - mh);
  total -= 1.5 * sat.sum(hx0 + m, hx1 - m, ym + th / 2 + mh, y1 - th - mh);
  // Corners, where segments meet, are ink too when a neighbouring segment is lit: a cell that
  // reaches past a 4's or a 1's strokes to a frame line beyond them loses its corners.
  for (const [c, d] of [[y0, y0 + th], [ym - th / 2, ym + th / 2], [y1 - th, y1]]) {
    total += CORNER_WEIGHT *
      (Math.max(0, gain(x0, x0 + t, c, d)) + Math.max(0, gain(x1 - t, x1, c, d)));
  }
  return total;
}

/** Keeps a geometry plausible for a digit: proportions and stroke width. */
function plausible(g: Geometry, mapH: number): boolean {
  const H = g.y1 - g.y0, W = g.x1 - g.x0;
  return H >= mapH * 0.45 && H <= mapH * 1.25 && W >= H * 0.35 &&
    W <= H * 0.95 &&
    g.t >= H * 0.07 && g.t <= H * 0.24 && W >= 3 * g.t && g.th >= H * 0.05 &&
    g.th <= H * 0.2;
}

/** Coordinate ascent from `start` with shrinking steps. */
function climb(
  sat: Sat,
  start: { g: Geometry; s?: number },
  { mapH, steps }: { mapH: number; steps: number[] },
): { g: Geometry; s: number } {
  let g = { ...start.g }, s = start.s ?? (plausible(g, mapH) ? score(sat, g) : -Infinity);
  const keys: (keyof Geometry)[] = ["y0", "y1", "x0", "x1", "t", "th"];
  for (const step of steps) {
    for (let round = 0; round < 12; round++) {
      let improved = false;
      for (const k of keys) {
        for (const dir of [-1, 1]) {
          const st = k === "t" || k === "th" ? Math.max(1, step / 2) : step;
          const cand = { ...g, [k]: g[k] + dir * st };
          if (!plausible(cand, mapH)) continue;
          const cs = score(sat, cand);
          if (cs > s + 1e-6) (g = cand), (s = cs), (improved = true);
        }
      }
      // Moving the whole cell keeps its shape: a cut digit slides as one.
      for (const [ddx, ddy] of [[-step, 0], [step, 0], [0, -step], [0, step]]) {
        const cand = { ...g, x0: g.x0 + ddx, x1: g.x1 + ddx, y0: g.y0 + ddy, y1: g.y1 + ddy };
        if (!plausible(cand, mapH)) continue;
        const cs = score(sat, cand);
        if (cs > s + 1e-6) (g = cand), (s = cs), (improved = true);
      }
      if (!improved) break;
    }
  }
  return { g, s };
}

/**
 * A segment's ink: along it, the strongest ink across a window a little wider than the stroke
 * (a fit off by a pixel or a bevelled end does not matter), then the mean of the middle half of
 * those along its length (a glint or a neighbour's corner does not decide).
 */
function sampleSegment(
  sat: Sat,
  [x0, x1, y0, y1]: Rect,
  horizontal: boolean,
  g: Geometry,
  q = 0.25,
): { ink: number; visible: number } {
  // Slack towards the cell's middle only: beyond the cell's outer edge lie frame lines.
  const slackY = horizontal ? Math.max(1, g.th * 0.35) : 0;
  const slackX = horizontal ? 0 : Math.max(1, g.t * 0.35);
  const mx = (g.x0 + g.x1) / 2, my = (g.y0 + g.y1) / 2;
  const inward = (lo: number, hi: number, mid: number, slack: number): [number, number] => {
    const c = (lo + hi) / 2;
    if (Math.abs(c - mid) < 1) return [lo - slack, hi + slack];
    // The outer quarter of the stroke too: what bleeds in from beyond reaches only that far.
    const shave = (hi - lo) * 0.25;
    return c < mid ? [lo + shave, hi + slack] : [lo - slack, hi - shave];
  };
  const [xa, xb] = inward(x0, x1, mx, slackX).map(Math.round);
  const [ya, yb] = inward(y0, y1, my, slackY).map(Math.round);
  const peaks: number[] = [];
  let total = 0;
  const [al0, al1, ac0, ac1] = horizontal ? [xa, xb, ya, yb] : [ya, yb, xa, xb];
  for (let a = al0; a < al1; a++) {
    total++;
    let best = -1;
    for (let c = ac0; c < ac1; c++) {
      const x = horizontal ? a : c, y = horizontal ? c : a;
      if (x < 0 || y < 0 || x >= sat.w || y >= sat.h) continue;
      const v = sat.px[y * sat.w + x];
      if (!Number.isNaN(v) && v > best) best = v;
    }
    if (best >= 0) peaks.push(best);
  }
  if (peaks.length === 0) return { ink: 0, visible: 0 };
  peaks.sort((p, q) => p - q);
  // q = 0.25: mean of the middle half; q = 0.5: the median.
  const lo = Math.floor((peaks.length - 1) * q),
    hi = Math.max(lo + 1, Math.ceil(peaks.length * (1 - q)));
  let sum = 0;
  for (let i = lo; i < hi; i++) sum += peaks[i];
  return { ink: sum / (hi - lo), visible: peaks.length / Math.max(1, total) };
}

/** Median width of the inked run across a segment (pixels over 0.5 ink), in working pixels. */
function strokeWidth(sat: Sat, [x0, x1, y0, y1]: Rect, horizontal: boolean, g: Geometry): number {
  const w = horizontal ? g.th : g.t;
  const runs: number[] = [];
  const [al0, al1] = horizontal ? [x0, x1] : [y0, y1];
  const [c0, c1] = horizontal ? [y0 - w / 2, y1 + w / 2] : [x0 - w / 2, x1 + w / 2];
  const q = (al1 - al0) / 4;
  for (let a = Math.round(al0 + q); a < Math.round(al1 - q); a++) {
    let n = 0;
    for (let c = Math.round(c0); c < Math.round(c1); c++) {
      const x = horizontal ? a : c, y = horizontal ? c : a;
      if (x < 0 || y < 0 || x >= sat.w || y >= sat.h) continue;
      if (sat.px[y * sat.w + x] > 0.5) n++;
    }
    runs.push(n);
  }
  runs.sort((p, r) => p - r);
  return runs.length ? runs[Math.floor(runs.length / 2)] : 0;
}

/**
 * For a and d: per neighbouring vertical (f and b, e and c), the longest run of rows without ink
 * between the horizontal's ink and the vertical's. A lit a joins its lit verticals at the
 * corners; the edge of the display's window, drawn above a 4 or a 1, is cut off from them by
 * ground.
 */
function edgeGaps(sat: Sat, seg: string, g: Geometry): Record<string, number> {
  if (seg !== "a" && seg !== "d") return {};
  const { x0, x1, y0, y1, t } = g;
  const ym = (y0 + y1) / 2;
  const out: Record<string, number> = {};
  const cols: Record<string, [number, number]> = seg === "a"
    ? { f: [x0, x0 + t], b: [x1 - t, x1] }
    : { e: [x0, x0 + t], c: [x1 - t, x1] };
  // From the outer edge (and a stroke beyond it) inwards to the verticals' middles.
  const rows = seg === "a"
    ? range(Math.round(y0), Math.round((y0 + ym) / 2))
    : range(Math.round(y1) - 1, Math.round((y1 + ym) / 2), -1);
  for (const [v, [ca, cb]] of Object.entries(cols)) {
    const prof = rows.map((y) => {
      let best = -1;
      for (let x = Math.round(ca); x < Math.round(cb); x++) {
        if (x < 0 || y < 0 || x >= sat.w || y >= sat.h) continue;
        const p = sat.px[y * sat.w + x];
        if (!Number.isNaN(p) && p > best) best = p;
      }
      return best;
    });
    // Skip to the horizontal's ink, then count the longest ink-free run before the vertical.
    let i = prof.findIndex((p) => p > 0.5);
    let run = 0, longest = 0;
    if (i < 0) i = prof.length;
    for (; i < prof.length; i++) {
      if (prof[i] >= 0 && prof[i] < 0.35) longest = Math.max(longest, ++run);
      else run = 0;
    }
    out[v] = longest;
  }
  return out;
}

function range(from: number, to: number, step = 1): number[] {
  const out: number[] = [];
  for (let i = from; step > 0 ? i < to : i > to; i += step) out.push(i);
  return out;
}

/** Fits the one cell that best explains `ink` (values 0..1), over slants −0.1..0.3. */
export function fitCell(ink: InkMap, tone?: InkMap): FittedCell | undefined {
  const h = ink.h, w = ink.w;
  // Coarse steps from many starts at every slant, then fine steps from the best few.
  const coarse: { g: Geometry; s: number; slant: number; sat: Sat }[] = [];
  for (let slant = -0.1; slant <= 0.3001; slant += 0.05) {
    const dx = Math.ceil(Math.abs(slant) * h / 2) + 1;
    const sat = new Sat(ink, slant, dx);
    const cx = w / 2 + dx;
    for (const hh of [0.8, 1]) {
      for (const ar of [0.5, 0.65]) {
        for (const off of [-0.25, 0, 0.25]) {
          const H = h * hh, W = H * ar, x0 = cx - W / 2 + off * w;
          const g = { x0, x1: x0 + W, y0: (h - H) / 2, y1: (h + H) / 2, t: H * 0.14, th: H * 0.1 };
          coarse.push({ ...climb(sat, { g }, { mapH: h, steps: [6, 3] }), slant, sat });
        }
      }
    }
  }
  coarse.sort((a, b) => b.s - a.s);
  let best: { g: Geometry; s: number; slant: number; sat: Sat } | undefined;
  for (const c of coarse.slice(0, 10)) {
    const r = { ...climb(c.sat, c, { mapH: h, steps: [2, 1] }), slant: c.slant, sat: c.sat };
    if (!best || r.s > best.s) best = r;
  }
  if (!best || best.s <= 0) return undefined;
  const { g, sat } = best;
  const toneSat = tone ? new Sat(tone, best.slant, sat.dx) : undefined;
  const segments = Object.entries(segmentRects(g)).map(([seg, r]) => {
    const horizontal = seg === "a" || seg === "d" || seg === "g";
    // The median along a/g/d: the corners of lit verticals (a 4's f and b) reach into its ends.
    const q = horizontal ? 0.5 : 0.25;
    const sample = sampleSegment(sat, r, horizontal, g, q);
    return {
      seg,
      ...sample,
      tone: toneSat ? sampleSegment(toneSat, r, horizontal, g, q).ink : 0,
      width: strokeWidth(sat, r, horizontal, g),
      gaps: edgeGaps(sat, seg, g),
    };
  });
  return {
    slant: Math.round(best.slant * 100) / 100,
    dx: sat.dx,
    ...g,
    segments,
    score: best.s,
  };
}
