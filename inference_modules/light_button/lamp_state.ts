/**
 * The lamp decision, pure (no opencv) so it is testable on its own. A lit lamp has a large
 * emitting core (pixels that clip, or that outshine the brightest ordinary surface around the ROI)
 * and a halo (its glow falls off gradually around that core); a glint on an unlit glossy lamp is a
 * small bright spot with a sharp edge on an otherwise unlit colour. So the rule measures the
 * largest emitting blob against the lamp's area and the brightness of a band around it, never just
 * the brightest pixels:
 *
 * - "on" when the core covers at least `minCoreShare` of the lamp (the ellipse inscribed in the
 *   ROI), or when a smaller core (at least a quarter of that) is wrapped in a halo (`minHalo`);
 * - with `color` (the expected lit colour), core pixels must be that hue or near white, the halo
 *   counts only that hue (or white), and the ROI must show the colour at all (a lit lamp that clips
 *   white shows it in its rim or halo).
 */
import type { RgbaImage } from "../module_types.ts";

/** Thresholds (see the descriptor's params for their meaning and defaults). */
export interface LampThresholds {
  /** Clipped channel level: a pixel this bright is always emitting. */
  clipLevel: number;
  /** How far an emitting pixel must outshine the ring's p90 of V. */
  minExcess: number;
  /** An emitting pixel's V must reach at least this (dim scenes do not glow). */
  minCoreLevel: number;
  /** Share of the lamp the largest emitting blob must cover for "on" on its own. */
  minCoreShare: number;
  /** Halo (0..1) that lets a core of a quarter of `minCoreShare` or more count as "on". */
  minHalo: number;
  /** Expected lit colour, a name or `#rrggbb`; optional. */
  color?: string;
}

/** Measurements behind a decision (reported as the result's `data`). */
export interface LampMeasure {
  /** "on" or "off". */
  state: "on" | "off";
  /** 0.5..1, how far the deciding feature is from its threshold. */
  confidence: number;
  /** Emitting pixels over the lamp's area (the ellipse inscribed in the ROI, scaled by 0.7). */
  coreShare: number;
  /** 0..1: how bright the band around that blob is, between the lamp's body and the core level. */
  halo: number;
  /** The V a pixel needed to count as emitting. */
  coreLevel: number;
  /** Share of lamp pixels whose brightest channel clips. */
  clipShare: number;
  /** p90 of V over the lamp. */
  coreP90: number;
  /** p90 of V over the ring around the ROI (NaN without surroundings). */
  ringP90: number;
  /** With `color`: share of the ROI in the expected hue (else absent). */
  colorShare?: number;
}

/** A rectangle inside an image. */
export interface Rect {
  /** Left. */
  x: number;
  /** Top. */
  y: number;
  /** Width. */
  width: number;
  /** Height. */
  height: number;
}

/** Hue in degrees of the named colours `params.color` accepts; `white` matches low saturation. */
export const LAMP_COLORS: Readonly<Record<string, number>> = {
  red: 0,
  orange: 30,
  amber: 42,
  yellow: 56,
  green: 120,
  cyan: 180,
  blue: 225,
  purple: 280,
  magenta: 300,
  white: -1,
};

/** Hue of `color` (a name of {@linkcode LAMP_COLORS} or `#rrggbb`), -1 for white, or undefined. */
export function colorHue(color: string): number | undefined {
  const c = color.trim().toLowerCase();
  if (c in LAMP_COLORS) return LAMP_COLORS[c];
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/.exec(c);
  if (!m) return undefined;
  const [r, g, b] = [m[1], m[2], m[3]].map((h) => parseInt(h, 16));
  const max = Math.max(r, g, b), min = Math.min(r, g, b);
  if (max === 0 || (max - min) / max < WHITE_SAT) return -1;
  return hueOf(r, g, b);
}

/** The lamp is taken as the ellipse inscribed in the ROI scaled by this (clear of bezel and panel). */
const LAMP_SCALE = 0.7;
/** Below this saturation a pixel counts as white (a clipped core or a glint). */
const WHITE_SAT = 0.3;
/** A pixel matches a hue within this many degrees (lamps, JPEG and white balance drift). */
const HUE_TOLERANCE = 35;

function hueOf(r: number, g: number, b: number): number {
  const max = Math.max(r, g, b), min = Math.min(r, g, b), d = max - min;
  if (d === 0) return 0;
  let h: number;
  if (max === r) h = ((g - b) / d) % 6;
  else if (max === g) h = (b - r) / d + 2;
  else h = (r - g) / d + 4;
  return (h * 60 + 360) % 360;
}

/** Whether a pixel has the hue `hue` (-1: white), saturated enough to tell. */
function matchesHue(r: number, g: number, b: number, hue: number): boolean {
  const max = Math.max(r, g, b), min = Math.min(r, g, b);
  const sat = max ? (max - min) / max : 0;
  if (hue < 0) return sat < WHITE_SAT;
  if (sat < WHITE_SAT) return false;
  const dh = Math.abs(hueOf(r, g, b) - hue);
  return Math.min(dh, 360 - dh) <= HUE_TOLERANCE;
}

function isWhite(r: number, g: number, b: number): boolean {
  const max = Math.max(r, g, b), min = Math.min(r, g, b);
  return max > 0 && (max - min) / max < WHITE_SAT;
}

function percentile(values: ArrayLike<number>, count: number, p: number): number {
  if (count === 0) return NaN;
  const hist = new Uint32Array(256);
  for (let i = 0; i < count; i++) hist[values[i]]++;
  const rank = Math.min(count - 1, Math.floor((p / 100) * count));
  let seen = 0;
  for (let v = 0; v < 256; v++) {
    seen += hist[v];
    if (seen > rank) return v;
  }
  return 255;
}

/** p90 of V over `img` outside `inner` (the ring the ROI leaves in its surroundings). */
function ringP90(img: RgbaImage, inner: Rect): number {
  const v = new Uint8Array(img.width * img.height);
  let n = 0;
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      if (x >= inner.x && x < inner.x + inner.width && y >= inner.y && y < inner.y + inner.height) {
        continue;
      }
      const i = (y * img.width + x) * 4;
      v[n++] = Math.max(img.data[i], img.data[i + 1], img.data[i + 2]);
    }
  }
  return percentile(v, n, 90);
}

/** The lamp: the ellipse inscribed in the crop, shrunk to {@linkcode LAMP_SCALE} (ROIs frame a lamp with a margin). */
function lampMask(w: number, h: number): Uint8Array {
  const mask = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const dx = (x + 0.5) / w - 0.5, dy = (y + 0.5) / h - 0.5;
      if (dx * dx + dy * dy <= 0.25 * LAMP_SCALE * LAMP_SCALE) mask[y * w + x] = 1;
    }
  }
  return mask;
}

/** Pixels within `steps` 8-neighbour dilations of `blob`, outside it (chessboard distance, 2 passes). */
function bandAround(blob: Uint8Array, w: number, h: number, steps: number): Uint8Array {
  const far = w + h;
  const d = new Int32Array(w * h);
  for (let p = 0; p < w * h; p++) d[p] = blob[p] ? 0 : far;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const p = y * w + x;
      if (!d[p]) continue;
      let m = d[p];
      if (x > 0) m = Math.min(m, d[p - 1] + 1);
      if (y > 0) {
        m = Math.min(m, d[p - w] + 1);
        if (x > 0) m = Math.min(m, d[p - w - 1] + 1);
        if (x < w - 1) m = Math.min(m, d[p - w + 1] + 1);
      }
      d[p] = m;
    }
  }
  for (let y = h - 1; y >= 0; y--) {
    for (let x = w - 1; x >= 0; x--) {
      const p = y * w + x;
      if (!d[p]) continue;
      let m = d[p];
      if (x < w - 1) m = Math.min(m, d[p + 1] + 1);
      if (y < h - 1) {
        m = Math.min(m, d[p + w] + 1);
        if (x < w - 1) m = Math.min(m, d[p + w + 1] + 1);
        if (x > 0) m = Math.min(m, d[p + w - 1] + 1);
      }
      d[p] = m;
    }
  }
  const band = new Uint8Array(w * h);
  for (let p = 0; p < w * h; p++) band[p] = d[p] > 0 && d[p] <= steps ? 1 : 0;
  return band;
}

/** Decides on/off from the crop's emitting core, the halo around it and the ring of `surround`. */
export function lampState(
  crop: RgbaImage,
  opts: { ring?: { surround: RgbaImage; surroundRect: Rect }; thresholds: LampThresholds },
): LampMeasure {
  const { ring, thresholds: t } = opts;
  const { width: w, height: h, data } = crop;
  const hue = t.color === undefined ? undefined : colorHue(t.color);
  if (t.color !== undefined && hue === undefined) {
    throw new RangeError(
      `params.color: ${JSON.stringify(t.color)} is not a colour name or #rrggbb`,
    );
  }
  const lamp = lampMask(w, h);
  const v = new Uint8Array(w * h);
  let lampArea = 0, clipped = 0;
  const lampV = new Uint8Array(w * h);
  for (let p = 0; p < w * h; p++) {
    v[p] = Math.max(data[p * 4], data[p * 4 + 1], data[p * 4 + 2]);
    if (!lamp[p]) continue;
    lampV[lampArea++] = v[p];
    if (v[p] >= t.clipLevel) clipped++;
  }
  const rp90 = ring ? ringP90(ring.surround, ring.surroundRect) : NaN;
  const coreLevel = Number.isFinite(rp90)
    ? Math.min(t.clipLevel, Math.max(t.minCoreLevel, rp90 + t.minExcess))
    : t.clipLevel;

  const emitting = new Uint8Array(w * h);
  for (let p = 0; p < w * h; p++) {
    if (!lamp[p] || v[p] < coreLevel) continue;
    const r = data[p * 4], g = data[p * 4 + 1], b = data[p * 4 + 2];
    if (hue !== undefined && !matchesHue(r, g, b, hue) && !isWhite(r, g, b)) continue;
    emitting[p] = 1;
  }
  const blob = emitting;
  let size = 0;
  for (let p = 0; p < w * h; p++) size += blob[p];
  const coreShare = lampArea ? size / lampArea : 0;

  // Halo: the band around the core, a quarter of the core's radius wide (at least 2 px), scaled
  // from the lamp's body level (0) to the core level (1). A glint's band is the unlit body.
  let halo = 0, colorShare: number | undefined;
  if (size > 0) {
    const radius = Math.sqrt(size / Math.PI);
    const band = bandAround(blob, w, h, Math.max(2, Math.round(radius / 4)));
    const body = new Uint8Array(w * h);
    let nBody = 0;
    for (let p = 0; p < w * h; p++) if (lamp[p] && !blob[p] && !band[p]) body[nBody++] = v[p];
    const base = nBody >= 0.1 * lampArea
      ? percentile(body, nBody, 50)
      : percentile(lampV, lampArea, 10);
    let sum = 0, n = 0, inHue = 0, seen = 0;
    for (let p = 0; p < w * h; p++) {
      const r = data[p * 4], g = data[p * 4 + 1], b = data[p * 4 + 2];
      const match = hue !== undefined && matchesHue(r, g, b, hue);
      if (hue !== undefined) {
        seen++;
        if (match) inHue++;
      }
      if (!band[p]) continue;
      n++;
      const counts = hue === undefined || match || isWhite(r, g, b);
      sum += counts ? Math.min(1, Math.max(0, (v[p] - base) / Math.max(1, coreLevel - base))) : 0;
    }
    halo = n ? sum / n : 0;
    if (hue !== undefined) colorShare = seen ? inHue / seen : 0;
  }

  const coreScore = coreShare / Math.max(1e-6, t.minCoreShare);
  const glowScore = coreShare >= t.minCoreShare / 2 ? halo / Math.max(1e-6, t.minHalo) : 0;
  let score = Math.max(coreScore, glowScore);
  if (colorShare !== undefined && colorShare < MIN_COLOR_SHARE) {
    score = Math.min(score, colorShare / MIN_COLOR_SHARE);
  }
  const state = score >= 1 ? "on" : "off";
  const confidence = Math.min(1, 0.5 + Math.abs(score - 1) / 2);
  return {
    state,
    confidence,
    coreShare,
    halo,
    coreLevel,
    clipShare: lampArea ? clipped / lampArea : 0,
    coreP90: percentile(lampV, lampArea, 90),
    ringP90: rp90,
    ...(colorShare === undefined ? {} : { colorShare }),
  };
}

/** With `color`, at least this share of the ROI must be in the expected hue. */
const MIN_COLOR_SHARE = 0.1;
