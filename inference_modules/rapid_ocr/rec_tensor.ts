/**
 * Input tensors for PaddleOCR recognisers: height 48, width from the aspect ratio, BGR,
 * normalised to (x / 255 - 0.5) / 0.5, right-padded with zeros (PaddleOCR's `resize_norm_img`).
 */
import type { Cv } from "../cv_loader.ts";
import type { FloatTensor } from "../onnx/onnx_session.ts";

/** Recogniser input height. */
export const REC_HEIGHT = 48;

/** Options of {@linkcode recTensor}. */
export interface RecTensorOptions {
  /** Smallest tensor width (default 320, PaddleOCR's 48×320 training shape). */
  minWidth?: number;
  /** Largest width of one line; wider lines are squeezed (default 1280). */
  maxWidth?: number;
}

/** Width a line of `width × height` pixels takes at height 48, clamped to `maxWidth`. */
export function recLineWidth(width: number, height: number, maxWidth = 1280): number {
  return Math.max(1, Math.min(maxWidth, Math.ceil((REC_HEIGHT * width) / Math.max(1, height))));
}

function toBgr(cv: Cv, mat: Cv): Cv {
  const bgr = new cv.Mat();
  const ch = mat.channels();
  const code = ch === 4 ? cv.COLOR_RGBA2BGR : ch === 3 ? cv.COLOR_RGB2BGR : cv.COLOR_GRAY2BGR;
  cv.cvtColor(mat, bgr, code);
  return bgr;
}

/** Writes one resized BGR line into batch slot `index` of `out` (layout N×3×48×W). */
function writeLine(
  data: Uint8Array,
  w: number,
  out: Float32Array,
  opts: { index: number; W: number },
) {
  const plane = REC_HEIGHT * opts.W;
  const base = opts.index * 3 * plane;
  for (let y = 0; y < REC_HEIGHT; y++) {
    for (let x = 0; x < w; x++) {
      const src = (y * w + x) * 3;
      const dst = base + y * opts.W + x;
      out[dst] = data[src] / 127.5 - 1;
      out[dst + plane] = data[src + 1] / 127.5 - 1;
      out[dst + 2 * plane] = data[src + 2] / 127.5 - 1;
    }
  }
}

/** Builds one batch tensor from opencv Mats (RGBA, RGB or gray), one line each. */
export function recTensor(cv: Cv, mats: readonly Cv[], opts: RecTensorOptions = {}): FloatTensor {
  const maxWidth = opts.maxWidth ?? 1280;
  const widths = mats.map((m) => recLineWidth(m.cols, m.rows, maxWidth));
  const W = Math.max(opts.minWidth ?? 320, ...widths);
  const out = new Float32Array(mats.length * 3 * REC_HEIGHT * W);
  mats.forEach((mat, index) => {
    const bgr = toBgr(cv, mat);
    const resized = new cv.Mat();
    try {
      cv.resize(bgr, resized, new cv.Size(widths[index], REC_HEIGHT), 0, 0, cv.INTER_LINEAR);
      writeLine(resized.data, widths[index], out, { index, W });
    } finally {
      bgr.delete();
      resized.delete();
    }
  });
  return { data: out, dims: [mats.length, 3, REC_HEIGHT, W] };
}
