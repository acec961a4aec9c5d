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
  /** Largest Hamming distance of a pair (of 256 bits; unrelated descriptors sit near 128) [40]. */
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
    const pairs = gatedPairs(tpl.features, seen, { ...opts, scale });
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

/**
 * Template keypoints paired with the closest-descriptor warped keypoint within the gate. A grid of
 * gate-sized cells finds the few candidates near each keypoint, so this costs a few Hamming
 * distances per keypoint instead of a brute-force match of every pair.
 */
function gatedPairs(
  tpl: Features,
  seen: Features,
  opts: RefineOptions & { scale: number },
): { src: number[]; dst: number[] } {
  const gate = opts.gatePx ?? 12, maxHamming = opts.maxHamming ?? 40;
  const src: number[] = [], dst: number[] = [];
  // Warped keypoints are in small template pixels (the warp was made at `scale`).
  const wx = new Float32Array(seen.count), wy = new Float32Array(seen.count);
  const grid = new Map<number, number[]>();
  const cell = (x: number, y: number) => Math.floor(x / gate) * 100_003 + Math.floor(y / gate);
  for (let j = 0; j < seen.count; j++) {
    wx[j] = (seen.points[j * 2] + 0.5) / opts.scale - 0.5;
    wy[j] = (seen.points[j * 2 + 1] + 0.5) / opts.scale - 0.5;
    const key = cell(wx[j], wy[j]);
    const list = grid.get(key);
    if (list) list.push(j);
    else grid.set(key, [j]);
  }
  const a: Uint8Array = tpl.descriptors.data, b: Uint8Array = seen.descriptors.data;
  for (let i = 0; i < tpl.count; i++) {
    const tx = tpl.points[i * 2], ty = tpl.points[i * 2 + 1];
    let best = -1, bestDist = maxHamming + 1;
    for (let dx = -1; dx <= 1; dx++) {
      for (let dy = -1; dy <= 1; dy++) {
        for (const j of grid.get(cell(tx + dx * gate, ty + dy * gate)) ?? []) {
          if (Math.hypot(wx[j] - tx, wy[j] - ty) > gate) continue;
          const d = hamming(a, i * 32, b, j * 32);
          if (d < bestDist) [best, bestDist] = [j, d];
        }
      }
    }
    if (best >= 0) {
      src.push(tx, ty);
      dst.push(wx[best], wy[best]);
    }
  }
  return { src, dst };
}

const POPCOUNT = Uint8Array.from({ length: 256 }, (_, v) => {
  let n = 0;
  for (let x = v; x; x >>= 1) n += x & 1;
  return n;
});

/** Hamming distance of two 32-byte ORB descriptors. */
function hamming(a: Uint8Array, ai: number, b: Uint8Array, bi: number): number {
  let d = 0;
  for (let k = 0; k < 32; k++) d += POPCOUNT[a[ai + k] ^ b[bi + k]];
  return d;
}
