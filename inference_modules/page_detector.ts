/**
 * The job's page detector on the main thread: turns a job's page entries into templates, has the
 * worker pool score them (`WorkerPool.detectPages`), and answers VisionROI's group message — scores
 * sorted descending, the best page over its threshold as the group — plus where the winning page
 * is now, so the job can move that page's ROIs with it.
 */
import type { Frame } from "../actors/frame_sources/frame.ts";
import { encodeBase64 } from "./base64.ts";
import type { Matrix3 } from "./page_geometry.ts";
import type { DetectPagesOptions, PageMatch, PageTemplate } from "./page_types.ts";
import { type Quad, validateRoiPolygon } from "./roi_polygon.ts";

/** VisionROI's page threshold: a page is selected when its score is above it (§3.4). */
export const DEFAULT_PAGE_THRESHOLD = 0.4;

/** A `rois.json` page entry as the detector reads it; `threshold` is an optional per-page override. */
export interface PageEntry {
  /** The entry's id. */
  id: string;
  /** Page name: the group it selects. */
  page?: string;
  /** Label, used when `page` is empty. */
  name?: string;
  /** Base64 JPEG template (the page's bounding-box crop); entries without one are not scored. */
  image?: string | null;
  /** The page polygon at capture time. */
  points: unknown;
  /** This page's own threshold (0..1); default the detector's. */
  threshold?: unknown;
}

/** The detector's answer: VisionROI's `{group, scores}` plus the winner's position. */
export interface PageDetection {
  /** The best page over its threshold, or "". */
  group: string;
  /** Every scored page, best first. */
  scores: { page: string; score: number }[];
  /** Capture-time frame pixels → this frame, for the winner's ROIs (absent: they stay put). */
  transform?: Matrix3;
  /** The winner's polygon in this frame. */
  outline?: Quad;
  /** The winner's entry id. */
  pageId?: string;
  /** Every page's full answer, in entry order (inliers, reasons), for status and tests. */
  matches: PageMatch[];
  /** Why no page could be scored on this frame (worker death, deadline); the frame selects nothing. */
  error?: string;
}

/** What the detector needs from the pool. */
export interface PageMatcher {
  /** Scores templates against a frame, one answer per template in order. */
  detectPages(frame: Frame, pages: PageTemplate[], opts?: DetectPagesOptions): Promise<PageMatch[]>;
}

/** Options; defaults in brackets. */
export interface PageDetectorOptions extends DetectPagesOptions {
  /** Score a page must exceed to be selected [0.4]. */
  threshold?: number;
  /** Where skipped pages are reported [console.warn]. */
  log?: (line: string) => void;
}

/** A detector for {@linkcode InferenceJobActor}'s `detectPage` that scores pages on the pool. */
export function createPageDetector(
  pool: PageMatcher,
  opts: PageDetectorOptions = {},
): (frame: Frame, pages: PageEntry[]) => Promise<PageDetection> {
  const { threshold = DEFAULT_PAGE_THRESHOLD, log = console.warn, ...matchOpts } = opts;
  const keys = new TemplateKeys();
  return async (frame, entries) => {
    const usable = await toTemplates(entries, keys, log);
    let matches: PageMatch[];
    try {
      matches = await pool.detectPages(frame, usable.map((u) => u.template), matchOpts);
    } catch (e) {
      // One frame without a page is data, not a reason to crash (and restart) the job.
      const error = (e as Error).message;
      log(`page detection failed: ${error}`);
      return { group: "", scores: [], matches: [], error };
    }
    let best: { match: PageMatch; entry: PageEntry } | undefined;
    matches.forEach((match, i) => {
      const entry = usable[i].entry;
      const over = match.score > pageThreshold(entry, threshold);
      if (over && (!best || match.score > best.match.score)) best = { match, entry };
    });
    const scores = matches
      .map((m) => ({ page: m.page, score: m.score }))
      .sort((a, b) => b.score - a.score);
    if (!best) return { group: "", scores, matches };
    const { match } = best;
    return {
      group: match.page,
      scores,
      transform: match.transform,
      outline: match.outline,
      pageId: match.id,
      matches,
    };
  };
}

function pageThreshold(entry: PageEntry, fallback: number): number {
  const t = entry.threshold;
  return typeof t === "number" && Number.isFinite(t) && t >= 0 && t <= 1 ? t : fallback;
}

async function toTemplates(
  entries: PageEntry[],
  keys: TemplateKeys,
  log: (line: string) => void,
): Promise<{ entry: PageEntry; template: PageTemplate }[]> {
  const out: { entry: PageEntry; template: PageTemplate }[] = [];
  for (const entry of entries) {
    if (!entry.image) continue;
    let points: Quad;
    try {
      points = validateRoiPolygon(String(entry.id), entry.points);
    } catch (e) {
      log(`page ${entry.id} not scored: ${(e as Error).message}`);
      continue;
    }
    const page = entry.page || entry.name || String(entry.id);
    const key = await keys.of(entry.image);
    out.push({ entry, template: { id: String(entry.id), page, key, image: entry.image, points } });
  }
  return out;
}

/** SHA-256 of each template string, remembered for the strings seen lately (a job's pages). */
class TemplateKeys {
  readonly #known = new Map<string, string>();

  async of(image: string): Promise<string> {
    const hit = this.#known.get(image);
    if (hit) return hit;
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(image));
    const key = encodeBase64(new Uint8Array(digest));
    if (this.#known.size >= 64) this.#known.delete(this.#known.keys().next().value!);
    this.#known.set(image, key);
    return key;
  }
}
