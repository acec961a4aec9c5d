/**
 * ORB features and homography matching for page detection (worker side, opencv.js). Images are
 * downscaled before detection for speed; keypoints are reported in full-resolution pixels so a
 * homography maps template pixels straight to frame pixels.
 */
import type { Cv } from "./cv_loader.ts";
import type { Matrix3 } from "./page_geometry.ts";

/** Keypoints and descriptors of one image; `descriptors` is a Mat the owner must free. */
export interface Features {
  /** Keypoint positions in full-resolution pixels, x and y interleaved. */
  points: Float32Array;
  /** ORB descriptors, one 32-byte row per keypoint (a Mat; free it with {@linkcode freeFeatures}). */
  descriptors: Cv;
  /** Number of keypoints. */
  count: number;
  /** Full-resolution pixels per detection pixel (≥ 1). */
  upscale: number;
}

/** How features are detected; defaults in brackets. */
export interface FeatureOptions {
  /** Widest image the detector sees [960]. */
  maxWidth?: number;
  /** Most keypoints kept [1500]. */
  nfeatures?: number;
}

/** ORB features of a single-channel image (detected on a copy at most `maxWidth` wide). */
export function orbFeatures(cv: Cv, gray: Cv, opts: FeatureOptions = {}): Features {
  const scale = Math.min(1, (opts.maxWidth ?? 960) / gray.cols);
  const small = new cv.Mat();
  const noMask = new cv.Mat();
  const keypoints = new cv.KeyPointVector();
  const descriptors = new cv.Mat();
  const orb = new cv.ORB(opts.nfeatures ?? 1500);
  try {
    const size = new cv.Size(Math.round(gray.cols * scale), Math.round(gray.rows * scale));
    if (scale < 1) cv.resize(gray, small, size, 0, 0, cv.INTER_AREA);
    else gray.copyTo(small);
    orb.detectAndCompute(small, noMask, keypoints, descriptors);
    const count = keypoints.size();
    const points = new Float32Array(count * 2);
    for (let i = 0; i < count; i++) {
      const k = keypoints.get(i);
      points[i * 2] = (k.pt.x + 0.5) / scale - 0.5;
      points[i * 2 + 1] = (k.pt.y + 0.5) / scale - 0.5;
    }
    return { points, descriptors, count, upscale: 1 / scale };
  } catch (e) {
    descriptors.delete();
    throw e;
  } finally {
    small.delete();
    noMask.delete();
    keypoints.delete();
    orb.delete();
  }
}

/** Frees the descriptor Mat of a feature set. */
export function freeFeatures(f: Features): void {
  f.descriptors.delete();
}

/** Matching settings; defaults in brackets. */
export interface MatchOptions {
  /** Lowe's ratio: a match counts when its distance < ratio × the second best [0.75]. */
  ratio?: number;
  /** RANSAC reprojection threshold in detection pixels of the frame [3]. */
  ransacPx?: number;
}

/** Ratio-tested matches and, when RANSAC found one, the homography template → frame with its inliers. */
export interface FeatureMatch {
  /** Matches that passed the ratio test. */
  good: number;
  /** Matches consistent with the homography (0 without one). */
  inliers: number;
  /** Template pixels → frame pixels, when at least 4 good matches gave one. */
  homography?: Matrix3;
}

/** Matches template features against frame features (Hamming, k=2, ratio test) and fits a RANSAC homography. */
export function matchFeatures(
  cv: Cv,
  tpl: Features,
  frame: Features,
  opts: MatchOptions = {},
): FeatureMatch {
  if (tpl.count < 2 || frame.count < 2) return { good: 0, inliers: 0 };
  const ratio = opts.ratio ?? 0.75;
  const matcher = new cv.BFMatcher(cv.NORM_HAMMING, false);
  const knn = new cv.DMatchVectorVector();
  const src: number[] = [], dst: number[] = [];
  try {
    matcher.knnMatch(tpl.descriptors, frame.descriptors, knn, 2);
    for (let i = 0; i < knn.size(); i++) {
      const pair = knn.get(i);
      if (pair.size() === 2) {
        const best = pair.get(0), second = pair.get(1);
        if (best.distance < ratio * second.distance) {
          src.push(tpl.points[best.queryIdx * 2], tpl.points[best.queryIdx * 2 + 1]);
          dst.push(frame.points[best.trainIdx * 2], frame.points[best.trainIdx * 2 + 1]);
        }
      }
      pair.delete();
    }
  } finally {
    matcher.delete();
    knn.delete();
  }
  const good = src.length / 2;
  if (good < 4) return { good, inliers: 0 };
  return { good, ...fitHomography(cv, src, dst, (opts.ransacPx ?? 3) * frame.upscale) };
}

/** RANSAC homography of point pairs (x, y interleaved) and its inlier count; none when degenerate. */
export function fitHomography(
  cv: Cv,
  src: number[],
  dst: number[],
  thresholdPx: number,
): { inliers: number; homography?: Matrix3 } {
  const from = cv.matFromArray(src.length / 2, 1, cv.CV_32FC2, src);
  const to = cv.matFromArray(dst.length / 2, 1, cv.CV_32FC2, dst);
  const mask = new cv.Mat();
  let h: Cv;
  try {
    h = cv.findHomography(from, to, cv.RANSAC, thresholdPx, mask);
    if (h.empty() || h.rows !== 3) return { inliers: 0 };
    let inliers = 0;
    for (let i = 0; i < mask.rows; i++) if (mask.data[i]) inliers++;
    const homography = Array.from(h.data64F as Float64Array) as Matrix3;
    return { inliers, homography };
  } finally {
    h?.delete();
    from.delete();
    to.delete();
    mask.delete();
  }
}
