/** Rectifies one detected text box out of the crop, as PaddleOCR's get_rotate_crop_image. */
import type { Cv } from "../cv_loader.ts";
import type { Pt } from "./text_boxes.ts";

const dist = (a: Pt, b: Pt) => Math.hypot(a.x - b.x, a.y - b.y);

/** Warps the quad (TL, TR, BR, BL) of `src` to an upright Mat; tall boxes are turned to lie flat. */
export function lineCrop(cv: Cv, src: Cv, q: readonly [Pt, Pt, Pt, Pt]): Cv {
  const w = Math.max(1, Math.round(Math.max(dist(q[0], q[1]), dist(q[3], q[2]))));
  const h = Math.max(1, Math.round(Math.max(dist(q[0], q[3]), dist(q[1], q[2]))));
  const from = cv.matFromArray(4, 1, cv.CV_32FC2, q.flatMap((p) => [p.x, p.y]));
  const to = cv.matFromArray(4, 1, cv.CV_32FC2, [0, 0, w, 0, w, h, 0, h]);
  const m = cv.getPerspectiveTransform(from, to);
  const out = new cv.Mat();
  try {
    const size = new cv.Size(w, h);
    cv.warpPerspective(src, out, m, size, cv.INTER_CUBIC, cv.BORDER_REPLICATE, new cv.Scalar());
    if (h / w >= 1.5) cv.rotate(out, out, cv.ROTATE_90_COUNTERCLOCKWISE);
    return out;
  } catch (err) {
    out.delete();
    throw err;
  } finally {
    from.delete();
    to.delete();
    m.delete();
  }
}
