/**
 * Turns a real ROI crop into what Tesseract reads well: grey, upscaled so glyphs are about
 * `glyphPx` tall, Otsu-binarised with dark text on light (inverted when the text is the bright
 * part), the ROI's border lines and frame edges removed, white padding, and split into text rows.
 */
import type { Cv } from "../cv_loader.ts";
import type { RgbaImage } from "../module_types.ts";

/** A single-channel image, 0 = ink, 255 = paper. */
export interface GrayImage {
  /** Width. */
  width: number;
  /** Height. */
  height: number;
  /** One byte per pixel. */
  data: Uint8Array;
}

/** What {@linkcode prepareForOcr} produces. */
export interface PreparedText {
  /** The whole cleaned, padded image. */
  block: GrayImage;
  /** One padded image per text row, top to bottom. */
  rows: GrayImage[];
  /** The upscale factor applied. */
  scale: number;
  /** Glyph height measured in the crop (pixels, before scaling). */
  glyphHeight: number;
  /** True when the text was light on dark and got inverted. */
  inverted: boolean;
}

/** The 5th percentile of a grey Mat: the ink's dark level. */
function darkLevel(gray: { data: Uint8Array }): number {
  const hist = new Uint32Array(256);
  for (const v of gray.data) hist[v]++;
  let seen = 0;
  for (let v = 0; v < 256; v++) {
    seen += hist[v];
    if (seen >= gray.data.length * 0.05) return v;
  }
  return 0;
}

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
  area: number;
}

/** Options of {@linkcode prepareForOcr}. */
export interface PrepareOptions {
  /** Target glyph height in pixels; default 40. */
  glyphPx?: number;
  /**
   * How far below Otsu's level to cut, as a share of the distance to the ink's dark level; default 0.
   * Blurry small glyphs fill in at Otsu's level ("m" becomes a blob); 0.4 opens them again.
   */
  inkBias?: number;
}

/** Cleans `crop` for OCR (see {@linkcode PrepareOptions}). */
export function prepareForOcr(cv: Cv, crop: RgbaImage, opts: PrepareOptions = {}): PreparedText {
  const glyphPx = opts.glyphPx ?? 40;
  const inkBias = opts.inkBias ?? 0;
  const rgba = cv.matFromImageData({ width: crop.width, height: crop.height, data: crop.data });
  const gray = new cv.Mat();
  const big = new cv.Mat();
  const bin = new cv.Mat();
  try {
    cv.cvtColor(rgba, gray, cv.COLOR_RGBA2GRAY);
    const inverted = inkIsLight(cv, gray, bin);
    const glyphHeight = measureGlyphs(cv, bin, crop);
    const scale = Math.min(8, Math.max(1, glyphPx / glyphHeight));
    cv.resize(
      gray,
      big,
      new cv.Size(0, 0),
      scale,
      scale,
      scale > 1 ? cv.INTER_CUBIC : cv.INTER_AREA,
    );
    if (inverted) cv.bitwise_not(big, big);
    cv.GaussianBlur(big, big, new cv.Size(3, 3), 0);
    const otsu = cv.threshold(big, bin, 0, 255, cv.THRESH_BINARY + cv.THRESH_OTSU);
    if (inkBias > 0) {
      cv.threshold(big, bin, otsu - inkBias * (otsu - darkLevel(big)), 255, cv.THRESH_BINARY);
    }
    const clean = { width: bin.cols, height: bin.rows, data: new Uint8Array(bin.data) };
    stripBorders(cv, bin, clean, glyphHeight * scale);
    const pad = Math.round(glyphPx / 2);
    const rows = textRows(clean, glyphHeight * scale).map((r) => padded(clean, r, pad));
    return { block: padded(clean, [0, clean.height], pad), rows, scale, glyphHeight, inverted };
  } finally {
    rgba.delete();
    gray.delete();
    big.delete();
    bin.delete();
  }
}

/** Otsu on the crop; returns true when the ink (the minority class) is the light one. `bin` gets ink = 255. */
function inkIsLight(cv: Cv, gray: Cv, bin: Cv): boolean {
  cv.threshold(gray, bin, 0, 255, cv.THRESH_BINARY + cv.THRESH_OTSU);
  const light = cv.countNonZero(bin) > (bin.rows * bin.cols) / 2 ? false : true;
  if (!light) cv.bitwise_not(bin, bin);
  return light;
}

function components(cv: Cv, inkMask: Cv): Box[] {
  const labels = new cv.Mat(), stats = new cv.Mat(), centroids = new cv.Mat();
  try {
    const n = cv.connectedComponentsWithStats(inkMask, labels, stats, centroids, 8, cv.CV_32S);
    const s = stats.data32S as Int32Array;
    const out: Box[] = [];
    for (let i = 1; i < n; i++) {
      out.push({
        x: s[i * 5],
        y: s[i * 5 + 1],
        w: s[i * 5 + 2],
        h: s[i * 5 + 3],
        area: s[i * 5 + 4],
      });
    }
    return out;
  } finally {
    labels.delete();
    stats.delete();
    centroids.delete();
  }
}

/** Height of the taller glyphs (75th percentile of glyph-like blobs) in an ink=255 mask. */
function measureGlyphs(cv: Cv, inkMask: Cv, crop: RgbaImage): number {
  const hs = components(cv, inkMask)
    .filter((b) => b.h >= 3 && b.area >= 6 && b.h < crop.height * 0.9 && b.w < crop.width * 0.5)
    .map((b) => b.h)
    .sort((a, b) => a - b);
  if (hs.length === 0) return Math.max(4, crop.height / 2);
  return hs[Math.min(hs.length - 1, Math.floor(hs.length * 0.75))];
}

/** Whitens border lines, frame edges and stray specks: ink that cannot be text. `bin` is ink = 0. */
function stripBorders(cv: Cv, bin: Cv, img: GrayImage, glyph: number): void {
  const ink = new cv.Mat();
  cv.bitwise_not(bin, ink);
  try {
    removeLines(cv, ink, img, glyph);
    const labels = new cv.Mat(), stats = new cv.Mat(), centroids = new cv.Mat();
    try {
      const n = cv.connectedComponentsWithStats(ink, labels, stats, centroids, 8, cv.CV_32S);
      const s = stats.data32S as Int32Array;
      const boxes: Box[] = [];
      for (let i = 0; i < n; i++) {
        boxes.push({
          x: s[i * 5],
          y: s[i * 5 + 1],
          w: s[i * 5 + 2],
          h: s[i * 5 + 3],
          area: s[i * 5 + 4],
        });
      }
      const drop = boxes.map((b, i) => i > 0 && notText(b, i, boxes, img, glyph));
      const lab = labels.data32S as Int32Array;
      for (let p = 0; p < lab.length; p++) if (drop[lab[p]]) img.data[p] = 255;
    } finally {
      labels.delete();
      stats.delete();
      centroids.delete();
    }
  } finally {
    ink.delete();
  }
}

/** Long straight horizontal or vertical runs (box borders, frame edges) become paper. */
function removeLines(cv: Cv, ink: Cv, img: GrayImage, glyph: number): void {
  const len = Math.max(3, Math.ceil(1.5 * glyph));
  for (const size of [new cv.Size(len, 1), new cv.Size(1, len)]) {
    const kernel = cv.getStructuringElement(cv.MORPH_RECT, size);
    const lines = new cv.Mat();
    try {
      cv.morphologyEx(ink, lines, cv.MORPH_OPEN, kernel);
      const d = lines.data as Uint8Array;
      for (let p = 0; p < d.length; p++) if (d[p]) img.data[p] = 255;
      cv.subtract(ink, lines, ink);
      clearLineTracks(d, ink.data as Uint8Array, img, size.width > 1);
    } finally {
      kernel.delete();
      lines.delete();
    }
  }
}

/** Rows (or columns) where a line covers a third of the image are cleared whole: its broken bits go too. */
function clearLineTracks(
  lines: Uint8Array,
  ink: Uint8Array,
  img: GrayImage,
  horizontal: boolean,
): void {
  const [outer, inner] = horizontal ? [img.height, img.width] : [img.width, img.height];
  const at = (o: number, i: number) => horizontal ? o * img.width + i : i * img.width + o;
  for (let o = 0; o < outer; o++) {
    let count = 0;
    for (let i = 0; i < inner; i++) if (lines[at(o, i)]) count++;
    if (count < inner / 3) continue;
    for (let i = 0; i < inner; i++) {
      img.data[at(o, i)] = 255;
      ink[at(o, i)] = 0;
    }
  }
}

function notText(b: Box, i: number, all: Box[], img: GrayImage, glyph: number): boolean {
  const near = 0.5 * glyph;
  const atEdge = b.x < near || b.y < near || b.x + b.w > img.width - near ||
    b.y + b.h > img.height - near;
  const touches = b.x === 0 || b.y === 0 || b.x + b.w >= img.width || b.y + b.h >= img.height;
  if (touches && (b.w >= 0.6 * img.width || b.h >= 0.9 * img.height || b.h > 1.8 * glyph)) {
    return true;
  }
  if (b.h < 0.2 * glyph && b.w > glyph) return true; // a rule or underline fragment
  if (atEdge && b.w < 0.25 * glyph && b.h < 1.5 * glyph) return true; // a border sliver
  if (b.area < (glyph * 0.06) ** 2) return true;
  if (b.w > 0.4 * glyph || b.h > 0.4 * glyph) return false;
  // A small blob (a dot) is text only next to other ink: a decimal point, a colon.
  return !all.some((o, j) =>
    j > 0 && j !== i && gap(b.x, b.w, o.x, o.w) < glyph && gap(b.y, b.h, o.y, o.h) < glyph &&
    (o.w > 0.4 * glyph || o.h > 0.4 * glyph)
  );
}

function gap(a: number, aw: number, b: number, bw: number): number {
  return Math.max(0, Math.max(a, b) - Math.min(a + aw, b + bw));
}

/** Row bands `[top, bottom)` holding ink, merged across small gaps, tall enough to be text. */
function textRows(img: GrayImage, glyph: number): [number, number][] {
  const bands: [number, number][] = [];
  let start = -1;
  for (let y = 0; y <= img.height; y++) {
    let inked = false;
    if (y < img.height) {
      const row = img.data.subarray(y * img.width, (y + 1) * img.width);
      inked = row.some((v) => v === 0);
    }
    if (inked && start < 0) start = y;
    if (!inked && start >= 0) {
      const last = bands.at(-1);
      if (last && start - last[1] < glyph * 0.2) last[1] = y;
      else bands.push([start, y]);
      start = -1;
    }
  }
  return bands.filter(([a, b]) => b - a >= glyph * 0.3);
}

/** Rows `[top, bottom)` of `img` with `pad` white pixels on every side. */
function padded(img: GrayImage, [top, bottom]: [number, number], pad: number): GrayImage {
  const width = img.width + 2 * pad, height = bottom - top + 2 * pad;
  const data = new Uint8Array(width * height).fill(255);
  for (let y = top; y < bottom; y++) {
    data.set(img.data.subarray(y * img.width, (y + 1) * img.width), (y - top + pad) * width + pad);
  }
  return { width, height, data };
}

/** Encodes a grey image as binary PGM, which Tesseract (leptonica) reads without a PNG encoder. */
export function toPgm(img: GrayImage): Uint8Array {
  const head = new TextEncoder().encode(`P5\n${img.width} ${img.height}\n255\n`);
  const out = new Uint8Array(head.length + img.data.length);
  out.set(head);
  out.set(img.data, head.length);
  return out;
}
