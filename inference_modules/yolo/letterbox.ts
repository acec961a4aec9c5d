/** YOLO letterboxing: scale to fit a square input keeping proportions, pad with gray 114. */
import type { Cv } from "../cv_loader.ts";
import type { FloatTensor } from "../onnx/onnx_session.ts";

/** Where the crop lies inside the square input. */
export interface LetterboxGeometry {
  /** Input side. */
  size: number;
  /** Crop pixels → input pixels. */
  scale: number;
  /** Scaled crop size. */
  width: number;
  height: number;
  /** Left and top padding. */
  padX: number;
  padY: number;
}

/** An axis-aligned box. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Fits `width × height` into a `size` square, centred (Ultralytics' LetterBox with auto=false). */
export function letterboxGeometry(width: number, height: number, size = 640): LetterboxGeometry {
  const scale = Math.min(size / width, size / height);
  const w = Math.max(1, Math.round(width * scale)), h = Math.max(1, Math.round(height * scale));
  return {
    size,
    scale,
    width: w,
    height: h,
    padX: Math.floor((size - w) / 2),
    padY: Math.floor((size - h) / 2),
  };
}

/** Maps a box from input pixels back to crop pixels, clipped to the crop. */
export function unletterbox(
  b: Box,
  g: LetterboxGeometry,
  crop: { width: number; height: number },
): Box {
  const x0 = Math.max(0, Math.min(crop.width, (b.x - g.padX) / g.scale));
  const y0 = Math.max(0, Math.min(crop.height, (b.y - g.padY) / g.scale));
  const x1 = Math.max(0, Math.min(crop.width, (b.x + b.width - g.padX) / g.scale));
  const y1 = Math.max(0, Math.min(crop.height, (b.y + b.height - g.padY) / g.scale));
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/** The `[1, 3, size, size]` RGB tensor in 0..1 of an RGBA Mat, letterboxed. */
export function letterboxTensor(cv: Cv, rgba: Cv, g: LetterboxGeometry): FloatTensor {
  const resized = new cv.Mat();
  try {
    cv.resize(rgba, resized, new cv.Size(g.width, g.height), 0, 0, cv.INTER_LINEAR);
    const plane = g.size * g.size;
    const out = new Float32Array(3 * plane).fill(114 / 255);
    const d: Uint8Array = resized.data;
    for (let y = 0; y < g.height; y++) {
      for (let x = 0; x < g.width; x++) {
        const s = (y * g.width + x) * 4, t = (y + g.padY) * g.size + x + g.padX;
        out[t] = d[s] / 255;
        out[t + plane] = d[s + 1] / 255;
        out[t + 2 * plane] = d[s + 2] / 255;
      }
    }
    return { data: out, dims: [1, 3, g.size, g.size] };
  } finally {
    resized.delete();
  }
}
