/**
 * The pure parts of an inference job: which ROIs a frame reads (group, `all`, or the detected page)
 * and how one frame's ROI answers become the one aggregated result it publishes. No I/O, no clock:
 * the job actor calls these from its transitions, and tests call them directly.
 */
import { mapShape, type Matrix3 } from "../../inference_modules/page_geometry.ts";
import type { RoiResult, RoiTask } from "../../inference_modules/pool_types.ts";
import type { FrameResult, GroupMessage, RoiResultEntry } from "./result_bus.ts";
import type { JobRoi } from "../state/job_spec.ts";

export type { JobRoi } from "../state/job_spec.ts";

/** A page detector's answer: VisionROI's group message, plus where the selected page is now. */
export interface PageDetection extends GroupMessage {
  /** Capture-time frame pixels → this frame's pixels; the selected group's ROIs move by it. */
  transform?: Matrix3;
  /** The selected page's polygon in this frame (the preview draws it). */
  outline?: { x: number; y: number }[];
  /** The selected page's entry id. */
  pageId?: string;
  /** Why detection failed on this frame, when it did (shown as the job's `last_error`). */
  error?: string;
}

/** The ROIs one frame reads, and the group they were chosen by. */
export interface Selection {
  group: string;
  rois: JobRoi[];
}

/** The ROIs a job can read: `type:"roi"` entries with a module. */
export function readableRois(rois: readonly JobRoi[]): JobRoi[] {
  return rois.filter((r) => (r.type ?? "roi") === "roi" && r.module);
}

/**
 * The page templates to score this frame against, or undefined when the job needs no detection
 * (a forced group, `all`, no templates, or no detector).
 */
export function pagesToDetect(
  rois: readonly JobRoi[],
  group: string | null,
  canDetect: boolean,
): JobRoi[] | undefined {
  if (group || !canDetect) return undefined;
  const pages = rois.filter((r) => r.type === "page" && r.image);
  return pages.length ? pages : undefined;
}

/**
 * VisionROI's group choice (§3.5), except that no group and no templates reads every ROI: `all`
 * reads every readable ROI, a group its own ROIs, and page detection the detected page's ROIs moved
 * by the page's transform (none when no page matched).
 */
export function selectRois(
  rois: readonly JobRoi[],
  group: string | null,
  detection?: PageDetection,
): Selection {
  const readable = readableRois(rois);
  if (group === "all") return { group: "all", rois: readable };
  if (group) return { group, rois: readable.filter((r) => r.group === group) };
  if (!detection) return { group: "", rois: readable };
  const found = detection.group;
  const chosen = found ? readable.filter((r) => r.group === found) : [];
  const t = detection.transform;
  // The page moved since its ROIs were drawn: they follow it.
  return {
    group: found,
    rois: t ? chosen.map((r) => ({ ...r, points: mapShape(t, r.points) })) : chosen,
  };
}

/**
 * VisionROI's `{group, scores}` message of a read frame (§3.8): sent whenever the group is not
 * empty or pages were scored, so a forced group or `all` sends `{group, scores: []}` every frame.
 */
export function groupMessage(
  selection: Selection,
  detection?: PageDetection,
): GroupMessage | undefined {
  const group = detection ? detection.group : selection.group;
  const scores = detection?.scores ?? [];
  return group || scores.length ? { group, scores } : undefined;
}

/** The worker task of a ROI. */
export function toTask(roi: JobRoi): RoiTask {
  return {
    id: String(roi.id),
    name: roi.name ?? "",
    module: roi.module ?? "",
    points: roi.points,
    params: roi.params,
  };
}

/** What {@linkcode aggregate} needs about the frame and the job. */
export interface AggregateInput {
  camId: string;
  source: string;
  group: string;
  /** Capture time of the frame, ms since the epoch. */
  frameTime: number;
  /** When the answers were complete, ms since the epoch. */
  now: number;
  /** The ROIs read, in the order of `results`. */
  rois: readonly JobRoi[];
  results: readonly RoiResult[];
  /** Base64 JPEG crops by index, when asked for. */
  crops?: readonly (string | undefined)[];
  /** Which results are reused readings (`skip_unchanged`), by index. */
  cached?: readonly boolean[];
  /**
   * When the frame was handed to the pool, ms since the epoch: a ROI's `result_time` is this plus
   * its `duration`. Absent: the frame's capture time (the time before the read is then not seen).
   */
  readStart?: number;
  /** ROI ids still wanted: answers for others (removed while the frame was read) are dropped. */
  keep?: ReadonlySet<string>;
}

/** One frame's aggregated result and its counts. */
export interface Aggregated {
  result: FrameResult;
  ok: number;
  failed: number;
  /** Readings reused because the crop did not change. */
  cached: number;
  /** The first ROI error of the frame, if any. */
  firstError: string | undefined;
}

/** VisionROI's aggregated result of one frame: one entry per ROI, sorted by id. */
export function aggregate(inp: AggregateInput): Aggregated {
  const frameTime = inp.frameTime / 1000;
  const resultTime = inp.now / 1000;
  const readStart = (inp.readStart ?? inp.frameTime) / 1000;
  let cached = 0;
  const entries: RoiResultEntry[] = [];
  inp.results.forEach((r, i) => {
    if (inp.keep && !inp.keep.has(r.id)) return;
    const roi = inp.rois[i];
    const entry: RoiResultEntry = {
      id: r.id,
      name: r.name,
      text: r.text,
      module: r.module,
      group: roi.group || roi.page || "",
      cam_id: inp.camId,
      source: inp.source,
      frame_time: frameTime,
      // When this ROI's answer came (never past the frame's result: rounding).
      result_time: Math.min(resultTime, readStart + r.duration),
      duration: r.duration,
    };
    if (r.engine) entry.engine = r.engine;
    if (r.value !== undefined) entry.value = r.value;
    if (r.confidence !== undefined) entry.confidence = r.confidence;
    if (r.error) entry.error = r.error;
    if (r.truncated) entry.truncated = true;
    if (roi.mqtt_config) entry.mqtt_config = roi.mqtt_config;
    if (inp.cached?.[i]) {
      entry.cached = true;
      cached++;
    }
    const crop = inp.crops?.[i];
    if (crop) entry.image = crop;
    entries.push(entry);
  });
  entries.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const failed = entries.filter((e) => e.error).length;
  return {
    result: {
      frame_time: frameTime,
      result_time: resultTime,
      cam_id: inp.camId,
      source: inp.source,
      group: inp.group,
      frame_duration: Math.max(0, resultTime - frameTime),
      results: entries,
    },
    ok: entries.length - failed,
    failed,
    cached,
    firstError: entries.find((e) => e.error)?.error,
  };
}
