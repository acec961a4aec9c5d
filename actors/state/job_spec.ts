/**
 * The desired state of a job as the store holds it (`.visionroi/.actors/job/<cam_id>.json`) and the ROI entry
 * type jobs read. Types only; the job system resolves a spec into what its actor runs.
 */
import type { RoiRules } from "../../storage/roi_rules_schema.ts";

/** An entry of the job's ROI list: VisionROI's `rois.json` fields the job uses. */
export interface JobRoi {
  id: string;
  type: string;
  name?: string;
  group?: string;
  page?: string;
  module?: string;
  points: unknown;
  params?: Record<string, unknown>;
  mqtt_config?: string;
  image?: string | null;
  /** Plausibility rules (validated with the ROI: `storage/roi_rules_schema.ts`). */
  rules?: RoiRules | null;
  /** Reuse the last reading while the crop does not change; overrides the job's setting. */
  skip_unchanged?: boolean;
}

/** What a job should do: its desired state, with the ROIs resolved (the source's set, or inline). */
export interface JobConfig {
  camId: string;
  /** The camera it reads (a source name, or `cam:<cam_id>`). */
  cameraId: string;
  /** Source name for results (`active_source`). */
  source: string;
  /** The ROIs it reads: the source's saved set (resolved by name) or the job's inline set. */
  rois: JobRoi[];
  /**
   * True when `rois` is the job's own inline list (`/start_inference` with `rois`); false when it
   * is the source's saved ROI set, which the job follows by name. Absent in files from before.
   */
  inlineRois?: boolean;
  /** null: page detection (or every ROI when there are no page templates); "all"; or a group. */
  group: string | null;
  /** Seconds between reads; 0 reads every new frame. */
  interval: number;
  /** Seconds a ROI may take before it answers with an error. */
  resultTimeout: number;
  drawPageBoxes: boolean;
  /** Default of `skip_unchanged` for ROIs that do not set it; absent: false. */
  skipUnchanged?: boolean;
}
