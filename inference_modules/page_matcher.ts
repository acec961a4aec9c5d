/**
 * Page detection inside a worker. A page that is where it was saved scores as VisionROI scores it:
 * TM_CCOEFF_NORMED of the page's own polygon against the template. Otherwise the template is found
 * by ORB feature matching with a RANSAC homography, so a page that shifted, turned or changed scale
 * in the view is still found and its ROIs can follow it. Templates ORB cannot place (fewer than
 * `minKeypoints` keypoints, or a feature score not above 0.4: small, text-only pages) fall back to
 * normalised cross-correlation around the saved place at scales 0.8–1.25 (page_ncc.ts).
 */
import { type Cv, cvErrorMessage } from "./cv_loader.ts";
import { type Features, freeFeatures, matchFeatures, orbFeatures } from "./page_features.ts";
import { refineHomography } from "./page_refine.ts";
import { searchNearby } from "./page_ncc.ts";
import {
  boundingBox,
  compose,
  degenerateReason,
  imageCorners,
  invert,
  mapPoint,
  type Matrix3,
  rectMapping,
} from "./page_geometry.ts";
import type { TemplateCache, TemplateEntry } from "./page_templates.ts";
import type { DetectPagesOptions, PageMatch, PageTemplate } from "./page_types.ts";
import { cropRoi, type FramePixels } from "./roi_crop.ts";
import type { Quad } from "./roi_polygon.ts";

/** RANSAC inliers that chance alone reaches: a wrong page or noise got 4–9 in our measurements. */
export const CHANCE_INLIERS = 6;
/** Inliers above chance at which the score is one half. */
export const HALF_SCORE_INLIERS = 20;
/** First-pass inliers from which a match is refined (below, it is chance or too weak to move ROIs by). */
const REFINE_MIN_INLIERS = 12;
/** VisionROI's score at the saved place from which the page counts as not moved (no search), and the
 * NCC score from which a page found by the search is taken without asking the features. */
export const IN_PLACE_SCORE = 0.8;
/** Feature scores above this (VisionROI's page threshold) place a page the NCC search did not. */
const WEAK_FEATURE_SCORE = 0.4;

/**
 * Score of a feature match, 0..1: `e / (e + 20)` with `e = max(0, inliers − 6)`, inliers being the
 * larger count of the first pass and the refinement (which only runs from 12). It grows with the
 * geometric evidence and never saturates, so two present pages still rank. A ratio to the
 * template's keypoints was rejected: a truly present page keeps only 5–26 % of them as inliers
 * (rotation, scale, and the values on it changing since capture), so no threshold fits every page.
 * VisionROI's threshold 0.4 lands at 20 inliers, about twice the worst chance count.
 */
export function featureScore(inliers: number): number {
  const e = Math.max(0, inliers - CHANCE_INLIERS);
  return e / (e + HALF_SCORE_INLIERS);
}

/** What the matcher needs from the worker's frame. */
export interface FrameAccess {
  /** The frame's pixels. */
  pixels: FramePixels;
  /** The frame as an RGBA Mat (owned by the caller, shared with ROI reads). */
  mat(): Cv;
}

/** Scores every page against one frame, in the order given. */
export async function matchPages(
  cv: Cv,
  frame: FrameAccess,
  pages: PageTemplate[],
  opts: DetectPagesOptions & { templates: TemplateCache },
): Promise<PageMatch[]> {
  const maxWidth = opts.maxWidth ?? 960;
  let gray: Cv | undefined;
  let frameFeatures: Features | undefined;
  const seen: SeenFrame = {
    gray: () => (gray ??= grayOf(cv, frame.mat())),
    features: () => (frameFeatures ??= orbFeatures(cv, seen.gray(), { maxWidth, nfeatures: 1500 })),
    mat: () => frame.mat(),
    pixels: frame.pixels,
    maxWidth,
  };
  try {
    const out: PageMatch[] = [];
    for (const page of pages) {
      out.push({ id: page.id, page: page.page, ...(await scorePage(cv, page, seen, opts)) });
    }
    return out;
  } finally {
    if (frameFeatures) freeFeatures(frameFeatures);
    gray?.delete();
  }
}

/** The frame as the matchers see it, computed on first use. */
interface SeenFrame {
  gray(): Cv;
  features(): Features;
  mat(): Cv;
  pixels: FramePixels;
  maxWidth: number;
}

/** One page's score; a template that cannot be decoded scores 0 with the reason. */
async function scorePage(
  cv: Cv,
  page: PageTemplate,
  seen: SeenFrame,
  opts: DetectPagesOptions & { templates: TemplateCache },
): Promise<Scored> {
  let tpl: TemplateEntry;
  try {
    const key = `${page.key}@${seen.maxWidth}`; // features depend on the detection width
    tpl = await opts.templates.get(key, page.image, { maxWidth: seen.maxWidth });
  } catch (e) {
    return { method: "features", score: 0, reason: `template unusable: ${cvErrorMessage(cv, e)}` };
  }
  const inPlace = templateScore(cv, seen, page, tpl);
  if (inPlace.score >= IN_PLACE_SCORE) return inPlace;
  const near = searchNearby(cv, seen.gray(), tpl.gray, page.points);
  // Found where it was saved: VisionROI's score there, whatever the search measured.
  if (near && near.moved <= 1.5 && Math.abs(near.scale - 1) <= 0.01) return inPlace;
  const ncc: Scored | undefined = near && {
    method: "ncc",
    score: near.score,
    keypoints: tpl.features.count,
    transform: near.transform,
    outline: near.outline,
  };
  // An unturned page found this well is placed to the pixel; features on a small page are not.
  if (ncc && ncc.score >= IN_PLACE_SCORE) return ncc;
  let best = ncc && ncc.score > inPlace.score ? ncc : inPlace;
  if (tpl.features.count >= (opts.minKeypoints ?? 80)) {
    const found = locate(cv, tpl, seen, page);
    if (found.score > WEAK_FEATURE_SCORE) return found;
    if (found.score > best.score) best = found;
  }
  return best;
}

function grayOf(cv: Cv, rgba: Cv): Cv {
  const gray = new cv.Mat();
  try {
    cv.cvtColor(rgba, gray, cv.COLOR_RGBA2GRAY);
    return gray;
  } catch (e) {
    gray.delete();
    throw e;
  }
}

type Scored = Omit<PageMatch, "id" | "page">;

/** Finds one template by features; a missing or degenerate homography scores 0 with a reason. */
function locate(cv: Cv, tpl: TemplateEntry, seen: SeenFrame, page: PageTemplate): Scored {
  const m = matchFeatures(cv, tpl.features, seen.features());
  const stats = {
    method: "features" as const,
    keypoints: tpl.features.count,
    matches: m.good,
    inliers: m.inliers,
  };
  if (!m.homography) {
    return { ...stats, score: 0, reason: `no homography from ${m.good} matches` };
  }
  const degenerate = (h: Matrix3) =>
    degenerateReason(imageCorners(tpl).map((p) => mapPoint(h, p)) as Quad, tpl, seen.pixels);
  const reason = degenerate(m.homography);
  if (reason) return { ...stats, score: 0, reason };
  let h = m.homography, inliers = m.inliers;
  let refinedInliers: number | undefined;
  if (m.inliers >= REFINE_MIN_INLIERS) {
    const r = refineHomography(cv, seen.gray(), tpl, h, { maxWidth: seen.maxWidth });
    if (r && !degenerate(r.homography)) {
      h = r.homography;
      refinedInliers = r.inliers;
      inliers = Math.max(inliers, r.inliers);
    }
  }
  // Template pixels ↔ capture-time frame pixels: the template is the page's bounding-box crop.
  const capture = rectMapping(boundingBox(page.points), tpl);
  const transform = compose(h, invert(capture));
  const outline = page.points.map((p) => mapPoint(transform, p)) as Quad;
  return { ...stats, refinedInliers, score: featureScore(inliers), transform, outline };
}

/** VisionROI's score (§3.4): the page polygon warped, grey, resized to the template, TM_CCOEFF_NORMED. */
function templateScore(cv: Cv, seen: SeenFrame, page: PageTemplate, tpl: TemplateEntry): Scored {
  const { crop } = cropRoi(cv, seen.mat(), { quad: page.points, frame: seen.pixels });
  const rgba = new cv.Mat(crop.height, crop.width, cv.CV_8UC4);
  const gray = new cv.Mat();
  const sized = new cv.Mat();
  const result = new cv.Mat();
  try {
    rgba.data.set(crop.data);
    cv.cvtColor(rgba, gray, cv.COLOR_RGBA2GRAY);
    cv.resize(gray, sized, new cv.Size(tpl.width, tpl.height), 0, 0, cv.INTER_LINEAR);
    cv.matchTemplate(sized, tpl.gray, result, cv.TM_CCOEFF_NORMED);
    const score = result.data32F[0];
    return {
      method: "template",
      score: Number.isFinite(score) ? score : 0,
      keypoints: tpl.features.count,
      outline: page.points,
    };
  } finally {
    rgba.delete();
    gray.delete();
    sized.delete();
    result.delete();
  }
}
