/**
 * The ROI sets Home Assistant discovery describes (every saved source's ROIs and every running
 * job's), and a watch on the data dir that says when they may have changed, so discovery follows
 * ROI and source edits without the routes knowing about MQTT.
 */
import type { JobRoi } from "../jobs/inference_job_actor.ts";
import type { JobSystem } from "../jobs/job_system.ts";
import { OWN_DIR } from "../../storage/own_dir.ts";

/** The ROIs of one camera: a saved source's `rois.json`, or a running job's (inline) list. */
export interface RoiSet {
  /** Source name ("" for a job without one). */
  source: string;
  /** cam_id of the job, when the set comes from one. */
  camId?: string;
  rois: readonly JobRoi[];
}

/** Whether a changed path can change the ROI sets: ROI files, source configs, job configs, folders. */
export function affectsRois(dataDir: string, path: string): boolean {
  if (!path.startsWith(dataDir + "/")) return false;
  const rel = path.slice(dataDir.length + 1);
  if (rel.endsWith(".tmp")) return false;
  // This project's own folder: only job configs (`.visionroi/.actors/job/`) can change ROI sets.
  if (rel === OWN_DIR || rel.startsWith(`${OWN_DIR}/`)) {
    return rel.startsWith(`${OWN_DIR}/.actors/job/`);
  }
  const parts = rel.split("/");
  return parts.length === 1 ? !rel.includes(".") : parts.length === 2 && rel.endsWith(".json");
}

/** The ROI sets discovery describes: every saved source's ROIs and every running job's. */
export async function collectRoiSets(opts: {
  sourceNames: () => Promise<string[]>;
  loadRois: (source: string) => Promise<JobRoi[]>;
  jobs: Pick<JobSystem, "config" | "camIds">;
}): Promise<RoiSet[]> {
  const sets: RoiSet[] = [];
  for (const source of await opts.sourceNames()) {
    sets.push({ source, rois: await opts.loadRois(source) });
  }
  for (const camId of opts.jobs.camIds()) {
    const cfg = opts.jobs.config(camId);
    if (cfg) sets.push({ source: cfg.source, camId, rois: cfg.rois });
  }
  return sets;
}

/**
 * Calls `onChange` when a ROI file, a source config, a source folder or a job config changes under
 * `dataDir`; returns the watcher (close it to stop). A watch that fails is logged once.
 */
export function watchRoiChanges(dataDir: string, onChange: () => void): Deno.FsWatcher {
  const watcher = Deno.watchFs(dataDir, { recursive: true });
  (async () => {
    for await (const ev of watcher) {
      if (ev.paths.some((p) => affectsRois(dataDir, p))) onChange();
    }
  })().catch((err) => {
    console.error(`data dir watch ended, ROI changes apply on the next reconnect: ${err}`);
  });
  return watcher;
}
