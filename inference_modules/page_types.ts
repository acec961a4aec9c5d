/** Request and answer shapes of page detection (`WorkerPool.detectPages`), shared by pool and worker. */
import type { Matrix3 } from "./page_geometry.ts";
import type { Quad } from "./roi_polygon.ts";

/** One page to look for: a `rois.json` page entry reduced to what matching needs. */
export interface PageTemplate {
  /** The entry's id (a label). */
  id: string;
  /** The page name, which is the group it selects. */
  page: string;
  /** Content hash of `image`; workers cache the decoded template and its features under it. */
  key: string;
  /** The template: base64 JPEG (or PNG) of the page's bounding-box crop at capture time. */
  image: string;
  /** The page polygon at capture time, frame pixels, TL, TR, BR, BL. */
  points: Quad;
}

/**
 * How a page was scored: VisionROI's template match at the saved place (`template`), ORB features
 * with a homography (`features`), or normalised cross-correlation near the saved place (`ncc`).
 */
export type PageMethod = "features" | "template" | "ncc";

/** One page's answer. */
export interface PageMatch {
  /** The entry's id. */
  id: string;
  /** The page name. */
  page: string;
  /** 0..1 for features (see `featureScore`); TM_CCOEFF_NORMED (−1..1) for `template` and `ncc`. */
  score: number;
  /** Which matcher produced the score. */
  method: PageMethod;
  /** Template keypoints (features only). */
  keypoints?: number;
  /** Ratio-tested matches (features only). */
  matches?: number;
  /** RANSAC inliers of the first pass (features only). */
  inliers?: number;
  /** Inliers of the refinement pass, when it ran (features only). */
  refinedInliers?: number;
  /** Capture-time frame pixels → current frame pixels; ROIs of the page move with it. */
  transform?: Matrix3;
  /** Where the page polygon is in this frame. */
  outline?: Quad;
  /** Why the page was not located, when it was not. */
  reason?: string;
}

/** Per-call options of page detection; defaults in brackets. */
export interface DetectPagesOptions {
  /** Milliseconds after which the call fails [10000]. */
  deadlineMs?: number;
  /** Widest image ORB sees; frames and templates are downscaled to it [960]. */
  maxWidth?: number;
  /** Templates with fewer ORB keypoints skip feature matching for the NCC search [80]. */
  minKeypoints?: number;
}
