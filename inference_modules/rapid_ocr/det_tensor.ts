/**
 * Input tensor of the DB text detector: the crop scaled so both sides are multiples of 32, BGR,
 * normalised with ImageNet mean and std (PaddleOCR's `DetResizeForTest` + `NormalizeImage`).
 */
import type { Cv } from "../cv_loader.ts";
import type { FloatTensor } from "../onnx/onnx_session.ts";

/** Options of {@linkcode detInputSize}. */
export interface DetSizeOptions {
  /** Scale small crops up until the shorter side reaches this (default 96: ROI crops are small). */
  minSide?: number;
  /** Scale large crops down until the longer side fits this (default 960). */
  maxSide?: number;
}

/** Detector input size for a `width × height` crop: multiples of 32 within the limits. */
export function detInputSize(
  width: number,
  height: number,
  opts: DetSizeOptions = {},
): { width: number; height: number } {
  const minSide = opts.minSide ?? 96, maxSide = opts.maxSide ?? 960;
  let scale = 1;
  if (Math.min(width, height) < minSide) scale = minSide / Math.min(width, height);
  if (Math.max(width, height) * scale > maxSide) scale = maxSide / Math.max(width, height);
  const round32 = (v: number) => Math.max(32, Math.round((v * scale) / 32) * 32);
  return { width: round32(width), height: round32(height) };
}

const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];

/** Builds the `[1, 3, H, W]` detector tensor from an RGBA Mat. */
export function detTensor(cv: Cv, rgba: Cv, size: { width: number; height: number }): FloatTensor {
  const resized = new cv.Mat();
  try {
    cv.resize(rgba, resized, new cv.Size(size.width, size.height), 0, 0, cv.INTER_LINEAR);
    const plane = size.width * size.height;
    const out = new Float32Array(3 * plane);
    const d: Uint8Array = resized.data;
    for (let i = 0; i < plane; i++) {
      // RGBA in, BGR planes out: PaddleOCR feeds cv2's BGR images to these statistics.
      out[i] = (d[i * 4 + 2] / 255 - MEAN[0]) / STD[0];
      out[i + plane] = (d[i * 4 + 1] / 255 - MEAN[1]) / STD[1];
      out[i + 2 * plane] = (d[i * 4] / 255 - MEAN[2]) / STD[2];
    }
    return { data: out, dims: [1, 3, size.height, size.width] };
  } finally {
    resized.delete();
  }
}
