/**
 * Seven-segment decoding in pure TypeScript on an RGBA crop: ink map (top-hat against the local
 * background, so glare and shading cancel), polarity, slant, digit cells, segment sampling, and a
 * per-display split of segments into lit and unlit (two clusters on brightness and colour), so a
 * ghost segment (an unlit segment shown faintly) counts as off.
 */
import type { RgbaImage } from "../module_types.ts";
import { fitCell } from "./cell_fit.ts";

/** Display polarity: dark segments on a light ground (LCD) or light on dark (LED, VFD). */
export type Polarity = "dark_on_light" | "light_on_dark";

/** Options of {@linkcode decodeSevenSeg}. */
export interface SevenSegOptions {
  /** Digit cells the display has (leading unlit ones included); default: from the layout. */
  digits?: number;
  /** Default: detected from the crop. */
  polarity?: Polarity;
  /** Below this ink contrast (0..1 of the gray range) the display counts as unlit. */
  minContrast?: number;
}

/** One decoded cell. */
export interface SevenSegDigit {
  /** `0`-`9`, `-`, or `""` for an unlit cell. */
  char: string;
  /** Segments a..g as 0/1, then the decimal point (`1`, `0`, or `x` when there is no room for one). */
  pattern: string;
  /** Decimal point lit after this cell. */
  point: boolean;
  /** 0..1: how far the least clear segment lies from the lit/unlit split. */
  confidence: number;
  /** Cell box in deskewed working pixels. */
  box: { x0: number; x1: number; y0: number; y1: number };
}

/** What {@linkcode decodeSevenSeg} found. */
export interface SevenSegResult {
  /** The display's text, e.g. `-12.5`; empty when unlit. */
  text: string;
  /** Minimum over the digits' confidences (1 for an unlit display). */
  confidence: number;
  digits: SevenSegDigit[];
  polarity: Polarity;
  /** Horizontal shift per pixel of height that was removed (italic displays ~0.1–0.2). */
  slant: number;
  /** Ink contrast of the lit cluster, 0..1 of the gray range. */
  contrast: number;
  /** Mean ink of unlit segments over the lit ones: about 0 without ghost segments. */
  ghostRatio: number;
  /** Set when a cell's segment pattern is not a digit. */
  error?: string;
}

// Segment patterns a..g → character. Variants: 6 without a, 7 with f, 9 without d.
const GLYPHS: Record<string, string> = {
  "1111110": "0",
  "0110000": "1",
  "1101101": "2",
  "1111001": "3",
  "0110011": "4",
  "1011011": "5",
  "1011111": "6",
  "0011111": "6",
  "1110000": "7",
  "1110010": "7",
  "1111111": "8",
  "1111011": "9",
  "1110011": "9",
  "0000001": "-",
  "0000000": "",
};

const PAD_Q = 0.9;
/** Working height: crops are scaled to it so every size below is in the same units. */
const WORK_H = 72;

interface Gray {
  w: number;
  h: number;
  d: Float32Array;
}

function resample(img: RgbaImage, scale: number): { w: number; h: number; rgb: Float32Array } {
  const w = Math.max(1, Math.round(img.width * scale)),
    h = Math.max(1, Math.round(img.height * scale));
  const rgb = new Float32Array(w * h * 3);
  const sx = img.width / w, sy = img.height / h;
  for (let y = 0; y < h; y++) {
    const y0 = Math.floor(y * sy), y1 = Math.max(y0 + 1, Math.floor((y + 1) * sy));
    for (let x = 0; x < w; x++) {
      const x0 = Math.floor(x * sx), x1 = Math.max(x0 + 1, Math.floor((x + 1) * sx));
      let r = 0, g = 0, b = 0, n = 0;
      for (let yy = y0; yy < y1 && yy < img.height; yy++) {
        for (let xx = x0; xx < x1 && xx < img.width; xx++) {
          const i = (yy * img.width + xx) * 4;
          r += img.data[i];
          g += img.data[i + 1];
          b += img.data[i + 2];
          n++;
        }
      }
      const o = (y * w + x) * 3;
      rgb[o] = r / n;
      rgb[o + 1] = g / n;
      rgb[o + 2] = b / n;
    }
  }
  return { w, h, rgb };
}

/** Separable min (erode) or max (dilate) filter with a square window of radius `r`. */
function rankFilter(src: Gray, r: number, max: boolean): Gray {
  const { w, h } = src;
  const tmp = new Float32Array(w * h), out = new Float32Array(w * h);
  const sign = max ? 1 : -1; // a max filter of −v is a min filter of v
  const d = src.d;
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < w; x++) {
      let v = -Infinity;
      const k1 = Math.min(w - 1, x + r);
      for (let k = Math.max(0, x - r); k <= k1; k++) {
        const u = sign * d[row + k];
        if (u > v) v = u;
      }
      tmp[row + x] = v;
    }
  }
  for (let y = 0; y < h; y++) {
    const k1 = Math.min(h - 1, y + r);
    for (let x = 0; x < w; x++) {
      let v = -Infinity;
      for (let k = Math.max(0, y - r); k <= k1; k++) {
        const u = tmp[k * w + x];
        if (u > v) v = u;
      }
      out[y * w + x] = sign * v;
    }
  }
  return { w, h, d: out };
}

/**
 * The value at rank ⌊q·(n−1)⌋ of `values`, found by quickselect on a copy: a read takes up to 13
 * quantiles of its gray and ink maps, and sorting a copy for each was 80 % of its time.
 */
function quantile(values: ArrayLike<number>, q: number): number {
  const n = values.length;
  if (n === 0) return 0;
  const a = Float32Array.from(values);
  const k = Math.min(n - 1, Math.floor(q * (n - 1)));
  let lo = 0, hi = n - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1];
    let i = lo, j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i++] = a[j];
        a[j--] = t;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return a[k];
}

/** Ink of every pixel: how far it stands from the local background towards the segment colour. */
function inkMap(gray: Gray, polarity: Polarity, r: number): Gray {
  const light = polarity === "light_on_dark";
  // The crop is framed in the background's level first: a stroke cut by the crop's edge has no
  // background beyond it, and the filters would take the stroke for background.
  const level = quantile(gray.d, light ? 1 - PAD_Q : PAD_Q);
  const pw = gray.w + 2 * r, ph = gray.h + 2 * r;
  const padded: Gray = { w: pw, h: ph, d: new Float32Array(pw * ph).fill(level) };
  for (let y = 0; y < gray.h; y++) {
    padded.d.set(gray.d.subarray(y * gray.w, (y + 1) * gray.w), (y + r) * pw + r);
  }
  // Opening (light ink) or closing (dark ink) removes strokes and keeps the background.
  const bg = rankFilter(rankFilter(padded, r, !light), r, light);
  const d = new Float32Array(gray.d.length);
  for (let y = 0; y < gray.h; y++) {
    for (let x = 0; x < gray.w; x++) {
      const i = y * gray.w + x, b = bg.d[(y + r) * pw + x + r];
      d[i] = Math.max(0, light ? gray.d[i] - b : b - gray.d[i]);
    }
  }
  return { w: gray.w, h: gray.h, d };
}

/** Horizontal shear `x' = x + s·(y − h/2)` of a map, widened so nothing falls off. */
function shear(m: Gray, s: number): { map: Gray; dx: number } {
  const extra = Math.ceil(Math.abs(s) * m.h / 2) + 1;
  const w = m.w + 2 * extra, d = new Float32Array(w * m.h);
  for (let y = 0; y < m.h; y++) {
    const off = s * (y - m.h / 2) + extra;
    for (let x = 0; x < w; x++) {
      const sx = x - off, x0 = Math.floor(sx), f = sx - x0;
      const a = x0 >= 0 && x0 < m.w ? m.d[y * m.w + x0] : 0;
      const b = x0 + 1 >= 0 && x0 + 1 < m.w ? m.d[y * m.w + x0 + 1] : 0;
      d[y * w + x] = a * (1 - f) + b * f;
    }
  }
  return { map: { w, h: m.h, d }, dx: extra };
}

/** The shear that makes vertical strokes vertical: maximum sum of squared column sums. */
function estimateSlant(edges: Gray): number {
  const pts: number[] = [];
  for (let y = 0; y < edges.h; y++) {
    for (let x = 0; x < edges.w; x++) {
      const v = edges.d[y * edges.w + x];
      if (v > 0) pts.push(x, y - edges.h / 2, v);
    }
  }
  const extra = Math.ceil(0.5 * edges.h) + 2;
  const cols = new Float64Array(edges.w + 2 * extra);
  const score = (s: number) => {
    cols.fill(0);
    for (let i = 0; i < pts.length; i += 3) {
      cols[Math.round(pts[i] + s * pts[i + 1]) + extra] += pts[i + 2];
    }
    let t = 0;
    for (const c of cols) t += c * c;
    return t;
  };
  let best = 0, bestScore = score(0);
  for (let s = -0.4; s <= 0.4001; s += 0.04) {
    const v = score(s);
    if (v > bestScore * 1.0001) (bestScore = v), (best = s);
  }
  const coarse = best;
  for (let s = coarse - 0.03; s <= coarse + 0.0301; s += 0.01) {
    const v = score(s);
    if (v > bestScore * 1.0001) (bestScore = v), (best = s);
  }
  return best;
}

interface Run {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

/** Column runs of the layout mask (gaps narrower than `gap` bridged), with their row extents. */
function columnRuns(mask: Uint8Array, w: number, h: number, gap: number, minPix: number): Run[] {
  const col = new Array<boolean>(w).fill(false);
  for (let x = 0; x < w; x++) {
    let c = 0;
    for (let y = 0; y < h; y++) c += mask[y * w + x];
    col[x] = c >= minPix;
  }
  const runs: Run[] = [];
  let x = 0;
  while (x < w) {
    if (!col[x]) {
      x++;
      continue;
    }
    let end = x;
    let k = x;
    while (k < w) {
      if (col[k]) end = k, k++;
      else {
        let g = k;
        while (g < w && !col[g]) g++;
        if (g < w && g - k <= gap) k = g;
        else break;
      }
    }
    let y0 = h, y1 = -1;
    for (let y = 0; y < h; y++) {
      let c = 0;
      for (let xx = x; xx <= end; xx++) c += mask[y * w + xx];
      if (c > 0) (y0 = Math.min(y0, y)), (y1 = y);
    }
    runs.push({ x0: x, x1: end + 1, y0, y1: y1 + 1 });
    x = end + 1;
  }
  return runs;
}

/** Rows [y0, y1) holding the main band of ink (the digits' height). */
function rowBand(mask: Uint8Array, w: number, h: number): [number, number] {
  const rows = new Array<number>(h).fill(0);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) rows[y] += mask[y * w + x];
  const minCount = Math.max(1, quantile(rows.filter((r) => r > 0), 0.5) * 0.08);
  // Longest stretch of rows with ink, bridging short empty stretches (the seams of segments).
  let best: [number, number] = [0, h], bestLen = -1;
  let y = 0;
  while (y < h) {
    if (rows[y] < minCount) {
      y++;
      continue;
    }
    let end = y, k = y;
    while (k < h) {
      if (rows[k] >= minCount) end = k, k++;
      else {
        let g = k;
        while (g < h && rows[g] < minCount) g++;
        if (g < h && g - k <= h * 0.12) k = g;
        else break;
      }
    }
    let mass = 0;
    for (let i = y; i <= end; i++) mass += rows[i];
    if (mass > bestLen) (bestLen = mass), (best = [y, end + 1]);
    y = end + 1;
  }
  return best;
}

interface Cell {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
  minus?: boolean;
  /** A narrow tall run (a `1`): the cell reaches left of it. */
  one?: boolean;
  /** Where the narrow run itself starts. */
  runX0?: number;
}

/** Segment sample regions in cell coordinates: [u0, u1, v0, v1] (0..1 across, down). */
function segmentRegions(tu: number, tv: number): Record<string, [number, number, number, number]> {
  const hu = Math.max(0.12, tu * 0.75), hv = Math.max(0.06, tv * 0.75);
  return {
    a: [0.35, 0.65, -hv * 0.4, tv / 2 + hv * 0.6],
    b: [1 - tu / 2 - hu * 0.7, 1 + hu * 0.3, 0.22, 0.36],
    c: [1 - tu / 2 - hu * 0.7, 1 + hu * 0.3, 0.64, 0.78],
    d: [0.35, 0.65, 1 - tv / 2 - hv * 0.6, 1 + hv * 0.4],
    e: [-hu * 0.3, tu / 2 + hu * 0.7, 0.64, 0.78],
    f: [-hu * 0.3, tu / 2 + hu * 0.7, 0.22, 0.36],
    g: [0.35, 0.65, 0.5 - hv * 0.7, 0.5 + hv * 0.7],
  };
}

/**
 * A segment's value: along the segment, the strongest ink across it (tolerates a misplaced
 * window), averaged over the length (a blur or glint does not make one pixel decide).
 */
function sampleRegion(
  map: Gray,
  rgbAt: (x: number, y: number) => [number, number, number],
  r: { x0: number; x1: number; y0: number; y1: number },
  horizontal: boolean,
  dot = false,
): { ink: number; rgb: [number, number, number] } {
  const xs0 = Math.max(0, Math.floor(r.x0)), xs1 = Math.min(map.w - 1, Math.ceil(r.x1));
  const ys0 = Math.max(0, Math.floor(r.y0)), ys1 = Math.min(map.h - 1, Math.ceil(r.y1));
  if (xs1 < xs0 || ys1 < ys0) return { ink: 0, rgb: [0, 0, 0] };
  const peaks: number[] = [];
  const rgb: [number, number, number] = [0, 0, 0];
  const along0 = horizontal ? xs0 : ys0, along1 = horizontal ? xs1 : ys1;
  const across0 = horizontal ? ys0 : xs0, across1 = horizontal ? ys1 : xs1;
  for (let a = along0; a <= along1; a++) {
    let best = -1, bx = 0, by = 0;
    for (let c = across0; c <= across1; c++) {
      const x = horizontal ? a : c, y = horizontal ? c : a;
      const v = map.d[y * map.w + x];
      if (v > best) (best = v), (bx = x), (by = y);
    }
    peaks.push(best);
    const p = rgbAt(bx, by);
    rgb[0] += p[0];
    rgb[1] += p[1];
    rgb[2] += p[2];
  }
  peaks.sort((a, b) => a - b);
  // Mean of the middle half: robust to a glint at one end and a neighbour's corner at the other.
  // A dot fills only part of its window: the strongest third then.
  const lo = Math.floor(peaks.length * (dot ? 0.6 : 0.25));
  const hi = Math.max(lo + 1, Math.ceil(peaks.length * (dot ? 0.9 : 0.75)));
  let s = 0;
  for (let i = lo; i < hi; i++) s += peaks[i];
  const n = along1 - along0 + 1;
  return { ink: s / (hi - lo), rgb: [rgb[0] / n, rgb[1] / n, rgb[2] / n] };
}

/** Splits feature vectors into lit/unlit: 2-means with the background (origin) anchoring "unlit". */
function splitLit(features: number[][], anchorWeight: number): { lit: boolean[]; score: number[] } {
  const dim = features[0]?.length ?? 1;
  const norm = (f: number[]) => Math.sqrt(f.reduce((a, b) => a + b * b, 0));
  let hiC = features.reduce((m, f) => (norm(f) > norm(m) ? f : m), new Array(dim).fill(0));
  let loC = new Array(dim).fill(0);
  let lit = features.map(() => true);
  const dist = (a: number[], b: number[]) =>
    Math.sqrt(a.reduce((s, v, i) => s + (v - b[i]) ** 2, 0));
  for (let iter = 0; iter < 20; iter++) {
    lit = features.map((f) => dist(f, hiC) < dist(f, loC));
    const sumHi = new Array(dim).fill(0), sumLo = new Array(dim).fill(0);
    let nHi = 0, nLo = anchorWeight;
    features.forEach((f, i) => {
      const t = lit[i] ? sumHi : sumLo;
      for (let k = 0; k < dim; k++) t[k] += f[k];
      if (lit[i]) nHi++;
      else nLo++;
    });
    if (nHi === 0) break;
    const newHi = sumHi.map((v) => v / nHi), newLo = sumLo.map((v) => v / nLo);
    const moved = dist(newHi, hiC) + dist(newLo, loC);
    hiC = newHi;
    loC = newLo;
    if (moved < 1e-6) break;
  }
  // Score: position between the centres (0 = unlit centre, 1 = lit centre), along their axis.
  const axis = hiC.map((v, i) => v - loC[i]);
  const len2 = axis.reduce((a, b) => a + b * b, 0) || 1;
  const score = features.map((f) => f.reduce((s, v, i) => s + (v - loC[i]) * axis[i], 0) / len2);
  return { lit, score };
}

function toGray(w: number, h: number, rgb: Float32Array): Gray {
  const d = new Float32Array(w * h);
  for (let i = 0; i < w * h; i++) {
    d[i] = 0.299 * rgb[i * 3] + 0.587 * rgb[i * 3 + 1] + 0.114 * rgb[i * 3 + 2];
  }
  return { w, h, d };
}

/** Dark ink on a light ground when the background (median) lies nearer the light end. */
function detectPolarity(g: Gray): Polarity {
  const lo = quantile(g.d, 0.02), mid = quantile(g.d, 0.5), hi = quantile(g.d, 0.98);
  return hi - mid > (mid - lo) * 1.15 ? "light_on_dark" : "dark_on_light";
}

/** Decodes the seven-segment display filling `img`. Never guesses an invalid pattern: sets `error`. */
export function decodeSevenSeg(img: RgbaImage, opts: SevenSegOptions = {}): SevenSegResult {
  const scale = WORK_H / Math.max(1, img.height);
  const { w, h, rgb } = resample(img, scale);
  const gray = toGray(w, h, rgb);
  if (opts.polarity) return decodeWith(gray, rgb, opts.polarity, opts);
  // Both polarities: a valid decoding beats an invalid one, then the clearer one wins (the
  // detected polarity breaks near-ties).
  const detected = detectPolarity(gray);
  const first = decodeWith(gray, rgb, detected, opts);
  const other = decodeWith(
    gray,
    rgb,
    detected === "dark_on_light" ? "light_on_dark" : "dark_on_light",
    opts,
  );
  if (fits.has(first) || fits.has(other)) {
    // One digit: a digit beats an unlit display, which beats segments that make no digit (the
    // wrong polarity finds those in the ground between strokes) unless they are clear and of the
    // detected polarity; the better fit breaks ties.
    const rank = (r: SevenSegResult) => {
      if (!r.error) return r.text === "" ? 1 : 2;
      return r === first && (fits.get(r)?.depth ?? 0) >= 2 ? 1.5 : 0;
    };
    if (rank(first) !== rank(other)) return rank(other) > rank(first) ? other : first;
    return (fits.get(other)?.score ?? 0) > (fits.get(first)?.score ?? 0) ? other : first;
  }
  if (!!first.error !== !!other.error) {
    const [bad, good] = first.error ? [first, other] : [other, first];
    // Nothing found the other way round does not outweigh clear segments that make no digit.
    return good.digits.length === 0 && bad.confidence >= 0.5 ? bad : good;
  }
  const read = (r: SevenSegResult) => r.digits.filter((d) => d.char !== "").length;
  if (read(first) !== read(other)) return read(other) > read(first) ? other : first;
  return other.confidence > first.confidence + 0.1 ? other : first;
}

function decodeWith(
  gray: Gray,
  rgb: Float32Array,
  polarity: Polarity,
  opts: SevenSegOptions,
): SevenSegResult {
  const { w, h } = gray;
  const range = Math.max(1, quantile(gray.d, 0.99) - quantile(gray.d, 0.01));
  const ink = inkMap(gray, polarity, Math.round(h / 7));
  const inkScale = Math.max(1e-6, quantile(ink.d, 0.995));
  const contrast = Math.min(1, inkScale / 255);
  const minContrast = opts.minContrast ?? 0.05;
  const base = { polarity, slant: 0, contrast, ghostRatio: 0 };
  if (contrast < minContrast || range < 255 * minContrast) {
    return { ...base, text: "", confidence: 1, digits: [] };
  }
  const n = opts.digits ?? (gray.w / gray.h < 1.2 ? 1 : undefined);
  if (n === 1) return decodeSingle(ink, gray, { inkScale, base });
  // Layout mask: lit and ghost segments alike (everything well above the noise floor).
  const noise = quantile(ink.d, 0.5);
  const layoutThr = Math.max(noise * 2 + 2, inkScale * 0.22);
  const ghostThr = Math.max(noise * 2 + 3, inkScale * 0.1);
  const maskF: Gray = { w, h, d: ink.d.map((v) => (v > layoutThr ? 1 : 0)) };
  // Slant from the vertical edges of the strokes (horizontal ink gradient), which the right shear
  // lines up into columns.
  const edges: Gray = { w, h, d: new Float32Array(w * h) };
  for (let y = 0; y < h; y++) {
    for (let x = 1; x < w - 1; x++) {
      const gx = Math.abs(ink.d[y * w + x + 1] - ink.d[y * w + x - 1]) / inkScale;
      edges.d[y * w + x] = gx > 0.15 ? gx : 0;
    }
  }
  const slant = estimateSlant(edges);
  const { map: sInk, dx } = shear(ink, slant);
  const { map: sMaskF } = shear(maskF, slant);
  const sw = sInk.w;
  const mask = new Uint8Array(sMaskF.d.length);
  for (let i = 0; i < mask.length; i++) mask[i] = sMaskF.d[i] >= 0.5 ? 1 : 0;
  const rgbAt = (x: number, y: number): [number, number, number] => {
    const ox = Math.round(x - slant * (y - h / 2) - dx);
    const cx = Math.max(0, Math.min(w - 1, ox)), i = (y * w + cx) * 3;
    return [rgb[i], rgb[i + 1], rgb[i + 2]];
  };
  const [by0, by1] = rowBand(mask, sw, h);
  const H = Math.max(4, by1 - by0);
  const band = new Uint8Array(mask.length);
  // Only the band's rows count for the cell layout, less its bottom fifth: decimal points sit
  // there between the cells and would join them.
  const bandEnd = Math.round(by1 - H * 0.2);
  for (let y = by0; y < bandEnd; y++) {
    for (let x = 0; x < sw; x++) band[y * sw + x] = mask[y * sw + x];
  }
  const runs = columnRuns(
    band,
    sw,
    h,
    Math.max(1, Math.round(H * 0.04)),
    Math.max(1, Math.round(H * 0.03)),
  );
  const cells = n === 1
    ? singleCell(sInk, inkScale * 0.3)
    : cellsFromRuns(runs, H, by0, by1, sw, n);
  if (n !== 1 && cells.length > 0) {
    addGhostCells(
      cells,
      shear({ w, h, d: ink.d.map((v) => (v > ghostThr ? 1 : 0)) }, slant).map,
      by0,
      bandEnd,
      H,
    );
  }
  if (n && cells.length > n) cells.splice(0, cells.length - n);
  if (cells.length === 0) return { ...base, slant, text: "", confidence: 1, digits: [] };

  // Features of every segment of every cell (and the decimal point after it).
  const tEst = H * 0.14;
  const feats: number[][] = [];
  const owners: { cell: number; seg: string }[] = [];
  const bgRgb = backgroundColour(rgb, ink, layoutThr);
  cells.forEach((c, ci) => {
    const W = Math.max(1, c.x1 - c.x0), CH = Math.max(1, c.y1 - c.y0);
    const regions = segmentRegions(tEst / W, tEst / CH);
    for (const [seg, [u0, u1, v0, v1]] of Object.entries(regions)) {
      const r = { x0: c.x0 + u0 * W, x1: c.x0 + u1 * W, y0: c.y0 + v0 * CH, y1: c.y0 + v1 * CH };
      const s = sampleRegion(sInk, rgbAt, r, seg === "a" || seg === "d" || seg === "g");
      feats.push(feature(s, bgRgb, inkScale));
      owners.push({ cell: ci, seg });
    }
    const next = cells[ci + 1];
    const px0 = c.x1 - W * 0.02, px1 = Math.min(c.x1 + W * 0.35, next ? next.x0 - 1 : sw);
    if (px1 - px0 >= 1) {
      const r = { x0: px0, x1: px1, y0: c.y1 - tEst * 1.1, y1: c.y1 + tEst * 0.2 };
      const s = sampleRegion(sInk, rgbAt, r, true, true);
      feats.push(feature(s, bgRgb, inkScale));
      owners.push({ cell: ci, seg: "p" });
    }
  });
  const { lit, score } = splitLit(feats, 3);
  // Ghost ratio and the lit cluster's strength.
  const litInk = feats.filter((_, i) => lit[i]).map((f) => f[0]);
  const offInk = feats.filter((_, i) => !lit[i] && owners[i].seg !== "p").map((f) => f[0]);
  const litMean = litInk.length ? litInk.reduce((a, b) => a + b, 0) / litInk.length : 0;
  const offMean = offInk.length ? offInk.reduce((a, b) => a + b, 0) / offInk.length : 0;
  const ghostRatio = litMean > 0 ? offMean / litMean : 0;
  const digits: SevenSegDigit[] = cells.map((c, ci) => {
    const bits: Record<string, string> = {};
    let conf = 1;
    owners.forEach((o, i) => {
      if (o.cell !== ci) return;
      bits[o.seg] = lit[i] ? "1" : "0";
      const margin = Math.min(1, Math.abs(score[i] - 0.5) * 2);
      if (o.seg !== "p") conf = Math.min(conf, margin);
    });
    const seven = "abcdefg".split("").map((s) => bits[s]).join("");
    const pattern = seven + (bits.p ?? "x");
    const char = GLYPHS[seven];
    return {
      char: char ?? "?",
      pattern,
      point: bits.p === "1" && char !== undefined && char !== "" && char !== "-",
      confidence: Math.round(conf * 1000) / 1000,
      box: { x0: c.x0, x1: c.x1, y0: c.y0, y1: c.y1 },
    };
  });
  const result: SevenSegResult = {
    polarity,
    slant: Math.round(slant * 100) / 100,
    contrast: Math.round(contrast * 1000) / 1000,
    ghostRatio: Math.round(ghostRatio * 1000) / 1000,
    digits,
    text: "",
    confidence: digits.length ? Math.min(...digits.map((d) => d.confidence)) : 1,
  };
  const bad = digits.findIndex((d) => d.char === "?");
  if (bad >= 0) {
    result.error = `segment pattern ${digits[bad].pattern} is not a digit`;
    return result;
  }
  result.text = joinText(digits);
  return result;
}

/**
 * Lit segments of a one-digit crop differ from the ground by at least this share of its level:
 * dark LCD segments take away a third of the light; LED and VFD segments (and the clear segments
 * of a backlit negative LCD) are far brighter than their dark ground.
 */
const MIN_SEGMENT_DEPTH: Record<Polarity, number> = { dark_on_light: 0.3, light_on_dark: 1.5 };

/** Widest ink-free gap between a lit a or d and its lit verticals, as a share of the height. */
const MAX_CORNER_GAP = 0.03;

/** Narrowest vertical stroke, as a share of the digit's height (fonts draw 0.1–0.25). */
const MIN_STROKE = 0.09;

/**
 * Per one-digit result (to choose the polarity): how well the fitted cell explained the ink, and
 * the lit segments' depth over the least a lit segment needs.
 */
const fits = new WeakMap<SevenSegResult, { score: number; depth: number }>();

/**
 * A one-digit crop: the cell, slant and stroke width are fitted to the ink (see cell_fit.ts), so a
 * digit cut by the crop's edge or a frame line beside it does not move the cell.
 */
function decodeSingle(
  ink: Gray,
  gray: Gray,
  { inkScale, base }: { inkScale: number; base: { polarity: Polarity; contrast: number } },
): SevenSegResult {
  const level = quantile(gray.d, 0.5);
  const norm = inkScale * 0.85;
  const map = { w: ink.w, h: ink.h, d: ink.d.map((v) => Math.min(1, v / norm)) };
  // Tone: gray, turned so that segments are high (dark LCD segments as well as lit LEDs).
  const dark = base.polarity === "dark_on_light";
  const tone = { w: gray.w, h: gray.h, d: gray.d.map((v) => (dark ? 255 - v : v)) };
  const fit = fitCell(map, tone);
  const empty = { ...base, slant: 0, ghostRatio: 0, text: "", confidence: 1, digits: [] };
  if (!fit) return empty;
  // A vertical stroke thinner than a digit's strokes ever are is a line: the edge of the
  // display's window, not a segment.
  const H = fit.y1 - fit.y0;
  const verticalLit = new Set(
    fit.segments.filter((s) => "bcef".includes(s.seg) && s.ink > 0.5 && s.width >= MIN_STROKE * H)
      .map((s) => s.seg),
  );
  // A lit a or d joins a lit vertical beside it (every digit that lights a lights f or b, and
  // e or c with d): a line alone, or cut off from them by ground, is the edge of the display's
  // window above or below the digit.
  const joined = (seg: string, gaps: Record<string, number>) =>
    seg === "g" ||
    Object.entries(gaps).some(([v, n]) => verticalLit.has(v) && n <= MAX_CORNER_GAP * H);
  const isLit = (s: { seg: string; ink: number; width: number; gaps: Record<string, number> }) =>
    "bcef".includes(s.seg)
      ? verticalLit.has(s.seg)
      : s.ink > 0.5 && s.width > 0 && joined(s.seg, s.gaps);
  // Lit segments differ from the ground (the crop's median) by a share of its brightness: darker
  // on a light ground, brighter on a dark one. A smudge, a shadow or the bright rim of an unlit
  // LCD does not; nor does the light ground between the dark strokes of an LCD read the wrong
  // way round.
  const groundTone = dark ? 255 - level : level;
  const litTone = fit.segments.filter(isLit).map((s) => s.tone - groundTone);
  const ground = Math.max(32, level);
  const strength = litTone.length
    ? litTone.reduce((a, b) => a + b, 0) / litTone.length / ground
    : 0;
  if (strength < MIN_SEGMENT_DEPTH[base.polarity]) return empty;
  let conf = 1;
  const bits = fit.segments.map((s) => {
    conf = Math.min(conf, Math.min(1, Math.abs(s.ink - 0.5) * 2));
    return isLit(s) ? "1" : "0";
  }).join("");
  // Alone in its crop, a 1 has no neighbour to say which side of the cell it stands on.
  const char = bits === "0000110" ? "1" : GLYPHS[bits];
  const digit: SevenSegDigit = {
    char: char ?? "?",
    pattern: bits + "x",
    point: false,
    confidence: Math.round(conf * 1000) / 1000,
    box: { x0: fit.x0, x1: fit.x1, y0: fit.y0, y1: fit.y1 },
  };
  const on = fit.segments.filter(isLit).map((s) => s.ink);
  const off = fit.segments.filter((s) => !isLit(s)).map((s) => s.ink);
  const avg = (v: number[]) => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : 0);
  const result: SevenSegResult = {
    ...base,
    slant: fit.slant,
    ghostRatio: on.length ? Math.round((avg(off) / avg(on)) * 1000) / 1000 : 0,
    digits: [digit],
    text: "",
    confidence: digit.confidence,
  };
  if (char === undefined) result.error = `segment pattern ${digit.pattern} is not a digit`;
  else result.text = char;
  fits.set(result, { score: fit.score, depth: strength / MIN_SEGMENT_DEPTH[base.polarity] });
  return result;
}

function feature(
  s: { ink: number; rgb: [number, number, number] },
  bg: [number, number, number],
  inkScale: number,
): number[] {
  // Brightness (ink) and the colour difference from the background, both in ink-scale units.
  const cb = (
    c: number[],
  ) => [
    c[2] - (0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]),
    c[0] - (0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]),
  ];
  const [b1, r1] = cb(s.rgb), [b0, r0] = cb(bg);
  return [s.ink / inkScale, (0.35 * (b1 - b0)) / inkScale, (0.35 * (r1 - r0)) / inkScale];
}

function backgroundColour(rgb: Float32Array, ink: Gray, thr: number): [number, number, number] {
  const r: number[] = [], g: number[] = [], b: number[] = [];
  for (let i = 0; i < ink.d.length; i += 2) {
    if (ink.d[i] < thr * 0.3) (r.push(rgb[i * 3]), g.push(rgb[i * 3 + 1]), b.push(rgb[i * 3 + 2]));
  }
  return [quantile(r, 0.5), quantile(g, 0.5), quantile(b, 0.5)];
}

/** Digits, a leading minus and decimal points joined; unlit leading cells drop out. */
function joinText(digits: SevenSegDigit[]): string {
  let t = "";
  for (const d of digits) {
    t += d.char;
    if (d.point && t.length > 0) t += ".";
  }
  t = t.replace(/\.$/, "");
  return t;
}

/**
 * The cell of a one-digit crop: the 3rd..97th percentiles of the ink's x and y (a frame edge or a
 * neighbour's sliver at the crop's border is too small to move them); a lone `1` is widened left.
 */
function singleCell(ink: Gray, thr: number): Cell[] {
  const xs: number[] = [], ys: number[] = [];
  for (let y = 0; y < ink.h; y++) {
    for (let x = 0; x < ink.w; x++) if (ink.d[y * ink.w + x] > thr) (xs.push(x), ys.push(y));
  }
  if (xs.length < 10) return [];
  const x0 = quantile(xs, 0.03), x1 = quantile(xs, 0.97) + 1;
  const y0 = quantile(ys, 0.02), y1 = quantile(ys, 0.98) + 1;
  const H = y1 - y0;
  return [{ x0: x1 - x0 < H * 0.4 ? x1 - Math.max(H * 0.7, (x1 - x0) * 2.5) : x0, x1, y0, y1 }];
}

/**
 * Unlit cells show only ghost segments, below the layout threshold: wide runs of the fainter
 * mask that overlap no cell become cells too (they decode as blanks).
 */
function addGhostCells(cells: Cell[], faint: Gray, y0: number, y1: number, H: number): void {
  const mask = new Uint8Array(faint.d.length);
  for (let y = y0; y < y1; y++) {
    for (let x = 0; x < faint.w; x++) {
      mask[y * faint.w + x] = faint.d[y * faint.w + x] >= 0.5 ? 1 : 0;
    }
  }
  const wide = cells.filter((c) => !c.minus).map((c) => c.x1 - c.x0);
  const Wd = wide.length ? quantile(wide, 0.5) : H * 0.55;
  const runs = columnRuns(
    mask,
    faint.w,
    faint.h,
    Math.max(1, Math.round(H * 0.04)),
    Math.max(1, Math.round(H * 0.03)),
  );
  const { by0, by1 } = { by0: cells[0].y0, by1: cells[0].y1 };
  for (const r of runs) {
    const rw = r.x1 - r.x0;
    if (r.y1 - r.y0 < H * 0.45 || rw < Wd * 0.75 || rw > Wd * 1.3) continue;
    if (cells.some((c) => r.x0 < c.x1 && r.x1 > c.x0)) continue;
    cells.push({ x0: r.x0, x1: r.x1, y0: by0, y1: by1 });
  }
  cells.sort((a, b) => a.x0 - b.x0);
}

/** Cells from column runs: wide runs are digits, narrow tall ones a `1`, short wide ones a minus. */
function cellsFromRuns(
  runs: Run[],
  H: number,
  by0: number,
  by1: number,
  sw: number,
  n?: number,
): Cell[] {
  const tall = runs.filter((r) => r.y1 - r.y0 >= H * 0.45);
  const wide = tall.filter((r) => r.x1 - r.x0 >= H * 0.3);
  const Wd = wide.length
    ? quantile(wide.map((r) => r.x1 - r.x0), 0.5)
    : Math.min(H * 0.55, Math.max(...runs.map((r) => r.x1 - r.x0), 1) * 3);
  const cells: Cell[] = [];
  for (const r of runs) {
    const rw = r.x1 - r.x0, rh = r.y1 - r.y0;
    if (rh >= H * 0.45) {
      if (rw >= Wd * 0.6) cells.push({ x0: r.x0, x1: r.x1, y0: by0, y1: by1 });
      else {cells.push({
          x0: Math.max(-Wd * 0.1, r.x1 - Wd),
          x1: r.x1,
          y0: by0,
          y1: by1,
          one: true,
          runX0: r.x0,
        });}
    } else if (rw >= Wd * 0.35 && rh <= H * 0.3 && r.y0 > by0 + H * 0.3) {
      // A lone middle bar: a minus sign drawn in a digit cell.
      const pad = Math.max(0, (Wd - rw) / 2);
      cells.push({ x0: r.x0 - pad, x1: r.x1 + pad, y0: by0, y1: by1, minus: true });
    }
    // Anything else (a decimal point, a colon dot, a speck) belongs to no cell.
  }
  // Overlapping cells (a `1` pushed into its neighbour) are merged into the wider one.
  const merged: Cell[] = [];
  for (const c of cells.sort((a, b) => a.x0 - b.x0)) {
    const prev = merged[merged.length - 1];
    const prevX0 = prev?.runX0 ?? prev?.x0 ?? 0;
    if (prev?.one && c.one && c.x1 - prevX0 <= Wd * 1.25) {
      // Two narrow columns within a digit's width: the left and right strokes of one cell (a
      // lit 1 beside the ghost strokes e and f).
      merged[merged.length - 1] = { x0: prevX0, x1: c.x1, y0: by0, y1: by1 };
    } else if (prev && c.one && c.x0 < prev.x1) {
      // A 1 right after a digit: its cell starts where the neighbour's ends.
      merged.push({ ...c, x0: prev.x1 + 1 });
    } else if (prev && c.x0 < prev.x1 - Wd * 0.3) {
      if (c.x1 - c.x0 > prev.x1 - prev.x0) merged[merged.length - 1] = c;
    } else merged.push(c);
  }
  if (n === 1 && merged.length > 1) {
    // One digit: the biggest cell nearest the middle; pieces of neighbours at the edges drop out.
    const mid = sw / 2;
    const key = (c: Cell) => (c.x1 - c.x0) - Math.abs((c.x0 + c.x1) / 2 - mid) * 0.8;
    merged.splice(0, merged.length, merged.reduce((a, b) => (key(b) > key(a) ? b : a)));
  }
  // A digit cut by the crop's edge keeps a digit's width, reaching past the edge.
  for (const c of merged) {
    if (c.minus || c.x1 - c.x0 >= Wd * 0.8) continue;
    if (c.x0 <= 1) c.x0 = c.x1 - Math.max(Wd, H * 0.45);
    else if (c.x1 >= sw - 1) c.x1 = c.x0 + Math.max(Wd, H * 0.45);
  }
  if (n && merged.length > n) return merged.slice(merged.length - n);
  return merged;
}
