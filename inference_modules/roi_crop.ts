/**
 * Rectified ROI crops inside a worker: a perspective warp of the 4-point polygon to a size taken
 * from its edge lengths (VisionROI §3.3), plus the widened surroundings some modules compare with.
 */
import type { Cv } from "./cv_loader.ts";
import type { RgbaImage } from "./module_types.ts";
import { cropSize, type FrameSize, type Quad, type RoiRect, surroundBox } from "./roi_polygon.ts";

/** Frame pixels as a worker sees them: RGBA over the shared buffer. */
export interface FramePixels extends FrameSize {
  /** RGBA bytes, `width * height * 4`. */
  readonly data: Uint8Array;
}

/** One ROI's crop and its surroundings. */
export interface RoiCrop {
  /** The rectified crop, RGBA. */
  crop: RgbaImage;
  /** The crop's bounding box widened by half its size per side, clamped; axis-aligned. */
  surround?: RgbaImage;
  /** Where the crop's bounding box sits inside `surround`. */
  surroundRect?: RoiRect;
}

/** Copies the frame into an opencv Mat once, so every ROI of the frame warps from the same Mat. */
export function frameToMat(cv: Cv, frame: FramePixels): Cv {
  const mat = new cv.Mat(frame.height, frame.width, cv.CV_8UC4);
  mat.data.set(frame.data.subarray(0, frame.width * frame.height * 4));
  return mat;
}

/** Warps `quad` of `src` (a frame Mat) to its rectified crop; optionally copies the surroundings. */
export function cropRoi(
  cv: Cv,
  src: Cv,
  opts: { quad: Quad; frame: FramePixels; surround?: boolean },
): RoiCrop {
  const { quad, frame } = opts;
  const { width, height } = cropSize(quad);
  const from = cv.matFromArray(4, 1, cv.CV_32FC2, quad.flatMap((p) => [p.x, p.y]));
  const to = cv.matFromArray(4, 1, cv.CV_32FC2, [
    0,
    0,
    width - 1,
    0,
    width - 1,
    height - 1,
    0,
    height - 1,
  ]);
  const m = cv.getPerspectiveTransform(from, to);
  const out = new cv.Mat();
  try {
    cv.warpPerspective(
      src,
      out,
      m,
      new cv.Size(width, height),
      cv.INTER_LINEAR,
      cv.BORDER_REPLICATE,
      new cv.Scalar(),
    );
    const crop = { width, height, data: new Uint8Array(out.data) };
    if (!opts.surround) return { crop };
    const box = surroundBox(quad, frame);
    return { crop, surround: copyRect(frame, box.outer), surroundRect: box.inner };
  } finally {
    from.delete();
    to.delete();
    m.delete();
    out.delete();
  }
}

/** Copies an axis-aligned rectangle of RGBA pixels (already clamped to the frame). */
export function copyRect(frame: FramePixels, r: RoiRect): RgbaImage {
  const data = new Uint8Array(r.width * r.height * 4);
  for (let row = 0; row < r.height; row++) {
    const start = ((r.y + row) * frame.width + r.x) * 4;
    data.set(frame.data.subarray(start, start + r.width * 4), row * r.width * 4);
  }
  return { width: r.width, height: r.height, data };
}
