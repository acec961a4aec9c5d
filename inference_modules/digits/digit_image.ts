/**
 * Image steps for digit displays: seven-segment LCDs and rolling meter counters both read best
 * through PaddleOCR's recogniser as dark, thick, gap-free strokes on a light ground, with a
 * margin around them and the proportions of a printed digit.
 */
import type { Cv } from "../cv_loader.ts";

/** Working height: crops are scaled to it first so kernel sizes mean the same on every crop. */
export const WORK_HEIGHT = 64;

/** Scales an RGBA crop to {@linkcode WORK_HEIGHT} and converts it to grayscale. */
export function normalizedGray(cv: Cv, rgba: Cv): Cv {
  const gray = new cv.Mat();
  cv.cvtColor(rgba, gray, cv.COLOR_RGBA2GRAY);
  const width = Math.max(1, Math.round((rgba.cols * WORK_HEIGHT) / Math.max(1, rgba.rows)));
  const out = new cv.Mat();
  cv.resize(gray, out, new cv.Size(width, WORK_HEIGHT), 0, 0, cv.INTER_LINEAR);
  gray.delete();
  return out;
}

/** The value at quantile `q` (0..1) of 8-bit pixels. */
export function quantile8(data: Uint8Array, q: number): number {
  const hist = new Uint32Array(256);
  for (const v of data) hist[v]++;
  const target = q * (data.length - 1);
  let seen = 0;
  for (let v = 0; v < 256; v++) {
    seen += hist[v];
    if (seen > target) return v;
  }
  return 255;
}

/** Stretches gray levels in place so the 2nd..98th percentiles span 0..255 (dim, washed-out LCDs). */
export function stretchContrast(gray: Cv): void {
  const d: Uint8Array = gray.data;
  const lo = quantile8(d, 0.02);
  const hi = quantile8(d, 0.98);
  const k = 255 / Math.max(1, hi - lo);
  for (let i = 0; i < d.length; i++) d[i] = Math.max(0, Math.min(255, (d[i] - lo) * k));
}

/** Inverts in place when the border is darker than the middle, i.e. light digits on a dark ground. */
export function makeDarkOnLight(cv: Cv, gray: Cv): boolean {
  const w = gray.cols, h = gray.rows, d: Uint8Array = gray.data;
  let border = 0, nBorder = 0, middle = 0, nMiddle = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const edge = x < w * 0.1 || x >= w * 0.9 || y < h * 0.1 || y >= h * 0.9;
      if (edge) (border += d[y * w + x]), nBorder++;
      else (middle += d[y * w + x]), nMiddle++;
    }
  }
  if (border / Math.max(1, nBorder) >= middle / Math.max(1, nMiddle)) return false;
  cv.bitwise_not(gray, gray);
  return true;
}

/** Width / height above which a crop is taken to hold more than one digit. */
export const SINGLE_DIGIT_MAX_ASPECT = 1.2;

/**
 * Blurs, gives digits a printed digit's proportions (`digits` of them, default: one when the
 * crop is about square or narrower, else the crop is left as wide as it is) and adds a margin.
 */
export function shapeForRecognizer(
  cv: Cv,
  gray: Cv,
  opts: { blur: number; aspect: number; digits?: number },
): Cv {
  const blurred = new cv.Mat();
  const k = opts.blur | 1;
  if (k > 1) cv.GaussianBlur(gray, blurred, new cv.Size(k, k), 0);
  else gray.copyTo(blurred);
  const digits = opts.digits ?? (gray.cols / gray.rows < SINGLE_DIGIT_MAX_ASPECT ? 1 : 0);
  const narrowed = new cv.Mat();
  const target = Math.round(digits * gray.rows * opts.aspect);
  const width = digits > 0 ? Math.max(1, Math.min(gray.cols, target)) : gray.cols;
  cv.resize(blurred, narrowed, new cv.Size(width, gray.rows), 0, 0, cv.INTER_AREA);
  const padded = new cv.Mat();
  const px = Math.round(width * 0.25), py = Math.round(gray.rows * 0.1);
  cv.copyMakeBorder(narrowed, padded, py, py, px, px, cv.BORDER_REPLICATE);
  blurred.delete();
  narrowed.delete();
  return padded;
}
