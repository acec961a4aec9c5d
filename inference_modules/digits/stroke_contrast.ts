/**
 * How strongly dark strokes stand out in the middle of a digit crop: the 90th percentile of a
 * black-hat (strokes narrower than a quarter of the height) over the median level. An unlit LCD
 * has only ghost segments and its frame edge, which sits outside the middle.
 */
import type { Cv } from "../cv_loader.ts";
import { quantile8 } from "./digit_image.ts";

/** Stroke contrast of a dark-on-light gray Mat (about 0.01–0.1 unlit, 0.2–1 lit). */
export function strokeContrast(cv: Cv, gray: Cv): number {
  const w = gray.cols, h = gray.rows;
  const k = Math.max(3, Math.round(h / 4)) | 1;
  const kernel = cv.getStructuringElement(cv.MORPH_RECT, new cv.Size(k, k));
  const hat = new cv.Mat();
  try {
    cv.morphologyEx(gray, hat, cv.MORPH_BLACKHAT, kernel);
    const x0 = Math.round(w * 0.15), y0 = Math.round(h * 0.15);
    const cw = Math.max(1, Math.round(w * 0.7)), ch = Math.max(1, Math.round(h * 0.7));
    const hatMid = new Uint8Array(cw * ch), grayMid = new Uint8Array(cw * ch);
    const hatData: Uint8Array = hat.data, grayData: Uint8Array = gray.data;
    for (let y = 0; y < ch; y++) {
      const row = (y0 + y) * w + x0;
      hatMid.set(hatData.subarray(row, row + cw), y * cw);
      grayMid.set(grayData.subarray(row, row + cw), y * cw);
    }
    return quantile8(hatMid, 0.9) / Math.max(1, quantile8(grayMid, 0.5));
  } finally {
    kernel.delete();
    hat.delete();
  }
}
