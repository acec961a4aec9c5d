/**
 * Second pass of a page match: the frame is warped into the template's space with the first
 * homography, so rotation and scale are gone; ORB runs again there and each template keypoint is
 * paired with a warped keypoint at the same place (spatial gate instead of the ratio test, which
 * repeated glyphs defeat). The small correction fitted to those pairs sharpens the far corners,
 * which a first pass on a downscaled frame leaves several pixels off.
 */
import type { Cv } from "./cv_loader.ts";
import { type Features, fitHomography, freeFeatures, orbFeatures } from "./page_features.ts";
import { compose, type Matrix3 } from "./page_geometry.ts";

/** Settings; defaults in brackets. */
export interface RefineOptions {
  /** Widest image ORB sees [960]. */
  maxWidth?: number;
  /** Largest distance, in template pixels, between paired keypoints [12]. */
  gatePx?: number;
  /** Largest Hamming distance of a pair (of 256 bits; unrelated descriptors sit near 128) [64]. */
  maxHamming?: number;
}

/** The refined homography (template → frame pixels) and its inliers, or undefined when too few pairs. */
export function refineHomography(
  cv: Cv,
  frameGray: Cv,
  tpl: { features: Features; width: number; height: number },
  h: Matrix3,
  opts: RefineOptions = {},
): { homography: Matrix3; inliers: number } | undefined {
  const scale = Math.min(1, (opts.maxWidth ?? 960) / tpl.width);
  const size = new cv.Size(Math.round(tpl.width * scale), Math.round(tpl.height * scale));
  // Warped pixel (small template coords) → frame pixel: H ∘ (1/scale).
  const toFrame = compose(h, [1 / scale, 0, 0, 0, 1 / scale, 0, 0, 0, 1]);
  const m = cv.matFromArray(3, 3, cv.CV_64F, toFrame);
  const warped = new cv.Mat();
  let seen: Features | undefined;
  try {
    const flags = cv.INTER_LINEAR + cv.WARP_INVERSE_MAP;
    cv.warpPerspective(frameGray, warped, m, size, flags, cv.BORDER_CONSTANT, new cv.Scalar());
    seen = orbFeatures(cv, warped, { maxWidth: size.width, nfeatures: 1500 });
    const pairs = gatedPairs(cv, tpl.features, seen, { ...opts, scale });
    if (pairs.src.length / 2 < 12) return undefined;
    const fit = fitHomography(cv, pairs.src, pairs.dst, 2 / scale);
    if (!fit.homography) return undefined;
    // fit: template pixel → where that point sits in the warp (template pixels); then the warp → frame.
    return { homography: compose(h, fit.homography), inliers: fit.inliers };
  } finally {
    m.delete();
    warped.delete();
    if (seen) freeFeatures(seen);
  }
}

/** Template keypoints paired with the closest-descriptor warped keypoint within the gate. */
function gatedPairs(
  cv: Cv,
  tpl: Features,
  seen: Features,
  opts: RefineOptions & { scale: number },
): { src: number[]; dst: number[] } {
  const src: number[] = [], dst: number[] = [];
  if (tpl.count < 1 || seen.count < 1) return { src, dst };
  const gate = opts.gatePx ?? 12, maxHamming = opts.maxHamming ?? 64;
  const matcher = new cv.BFMatcher(cv.NORM_HAMMING, false);
  const knn = new cv.DMatchVectorVector();
  try {
    matcher.knnMatch(tpl.descriptors, seen.descriptors, knn, 4);
    for (let i = 0; i < knn.size(); i++) {
      const candidates = knn.get(i);
      for (let k = 0; k < candidates.size(); k++) {
        const c = candidates.get(k);
        if (c.distance > maxHamming) break;
        const tx = tpl.points[c.queryIdx * 2], ty = tpl.points[c.queryIdx * 2 + 1];
        // Warped keypoints are in small template pixels (the warp was made at `scale`).
        const wx = (seen.points[c.trainIdx * 2] + 0.5) / opts.scale - 0.5;
        const wy = (seen.points[c.trainIdx * 2 + 1] + 0.5) / opts.scale - 0.5;
        if (Math.hypot(wx - tx, wy - ty) <= gate) {
          src.push(tx, ty);
          dst.push(wx, wy);
          break;
        }
      }
      candidates.delete();
    }
  } finally {
    matcher.delete();
    knn.delete();
  }
  return { src, dst };
}
