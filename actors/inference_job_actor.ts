/**
 * One inference job per cam_id: every `interval` seconds it takes the newest frame of its camera,
 * picks the ROIs (a group, `all`, or the page that matches), reads them on the worker pool, and
 * publishes one aggregated result per frame. A tick that comes while a frame is still being read is
 * skipped and counted, so nothing queues up behind a slow module.
 */
import sharp from "sharp";
import { Actor, type Clock } from "./runtime/mod.ts";
import type { CameraSystem } from "./camera_system.ts";
import type { Frame } from "./frame_sources/frame.ts";
import type { FrameResult, GroupMessage, ResultBus, RoiResultEntry } from "./result_bus.ts";
import type { RgbaImage } from "../inference_modules/module_types.ts";
import type { ReadFrameOptions, RoiResult, RoiTask } from "../inference_modules/pool_types.ts";
import { mapShape, type Matrix3 } from "../inference_modules/page_geometry.ts";

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
}

/** What a job should do: its desired state, persisted so it comes back after a restart. */
export interface JobConfig {
  camId: string;
  /** The camera it reads (a source name, or `cam:<cam_id>`). */
  cameraId: string;
  /** Source name for results (`active_source`). */
  source: string;
  rois: JobRoi[];
  /** null: page detection (or every ROI when there are no page templates); "all"; or a group. */
  group: string | null;
  /** Seconds between reads; 0 reads every new frame. */
  interval: number;
  /** Seconds a ROI may take before it answers with an error. */
  resultTimeout: number;
  drawPageBoxes: boolean;
}

/** What the job needs from the worker pool. */
export interface FrameReader {
  readFrame(frame: Frame, rois: RoiTask[], opts?: ReadFrameOptions): Promise<RoiResult[]>;
}

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

/** Scores page templates against a frame: `group` is the best page over the threshold or "". */
export type PageDetector = (frame: Frame, pages: JobRoi[]) => Promise<PageDetection>;

/** Job lifecycle: `waiting` means its camera has no frame yet. */
export type JobStatus = "starting" | "running" | "waiting" | "stopped" | "failed";

/** JSON snapshot of a job. */
export interface JobSnapshot {
  status: JobStatus;
  cam_id: string;
  source: string;
  group: string | null;
  /** The group read on the last frame (detected page, forced group, "all"). */
  active_group: string;
  interval: number;
  result_timeout: number;
  frames_processed: number;
  ticks_skipped: number;
  reads_ok: number;
  reads_failed: number;
  last_frame_time: number | null;
  last_result_time: number | null;
  last_frame_duration: number | null;
  last_error: string | null;
  started_at: number;
  /** Where the page selected on the last frame was found (auto mode), and how its ROIs moved; or null. */
  detected_page: {
    id: string;
    page: string;
    points: { x: number; y: number }[];
    transform: Matrix3 | null;
  } | null;
}

/** Messages: only `reconfigure` from outside; the read loop runs in `onStart`. */
export type JobMessage = { type: "reconfigure"; config: JobConfig };

/** Everything a job is built with. */
export interface JobDeps {
  cameras: CameraSystem;
  reader: FrameReader;
  bus: ResultBus;
  detectPage?: PageDetector;
  clock?: Clock;
}

/** The inference job actor. */
export class InferenceJobActor extends Actor<JobMessage, JobSnapshot> {
  #config: JobConfig;
  #deps: JobDeps;
  #abort = new AbortController();
  #wake: (() => void) | undefined;

  constructor(config: JobConfig, deps: JobDeps) {
    super(`job:${config.camId}`, {
      status: "starting",
      cam_id: config.camId,
      source: config.source,
      group: config.group,
      active_group: "",
      interval: config.interval,
      result_timeout: config.resultTimeout,
      frames_processed: 0,
      ticks_skipped: 0,
      reads_ok: 0,
      reads_failed: 0,
      last_frame_time: null,
      last_result_time: null,
      last_frame_duration: null,
      last_error: null,
      started_at: (deps.clock?.now() ?? Date.now()) / 1000,
      detected_page: null,
    }, { clock: deps.clock });
    this.#config = config;
    this.#deps = deps;
  }

  /** The config it runs with. */
  config(): JobConfig {
    return this.#config;
  }

  protected override async onStart(): Promise<() => Promise<void>> {
    const holder = `job:${this.#config.camId}`;
    const cameraId = this.#config.cameraId;
    if (!(await this.#deps.cameras.hold(cameraId, holder))) {
      throw new Error(`camera ${JSON.stringify(cameraId)} has no source`);
    }
    const loop = this.#run().catch((err) =>
      this.crash(err instanceof Error ? err : new Error(String(err)))
    );
    return async () => {
      this.#abort.abort();
      this.#wake?.();
      await loop;
      await this.#deps.cameras.release(cameraId, holder);
    };
  }

  protected receive(msg: JobMessage): void {
    if (msg.type === "reconfigure") {
      this.#config = msg.config;
      this.update({
        group: msg.config.group,
        interval: msg.config.interval,
        result_timeout: msg.config.resultTimeout,
        source: msg.config.source,
      });
      this.#wake?.();
    }
  }

  async #run(): Promise<void> {
    const signal = this.#abort.signal;
    let lastSeq = -1;
    let lastStart = 0;
    while (!signal.aborted) {
      const intervalMs = this.#config.interval * 1000;
      const due = lastStart + intervalMs;
      if (intervalMs > 0 && this.clock.now() < due) await this.#sleep(due - this.clock.now());
      if (signal.aborted) break;
      const frame = await this.#deps.cameras.nextFrame(this.#config.cameraId, lastSeq, 1_000);
      if (!frame) {
        this.update({ status: "waiting" });
        await this.#sleep(200);
        continue;
      }
      lastSeq = frame.seq;
      const now = this.clock.now();
      if (intervalMs > 0 && lastStart > 0) {
        const missed = Math.floor((now - lastStart) / intervalMs) - 1;
        if (missed > 0) this.update({ ticks_skipped: this.snapshot().ticks_skipped + missed });
      }
      lastStart = now;
      await this.#processFrame(frame);
    }
  }

  /** Reads one frame's ROIs and publishes the aggregated result. */
  async #processFrame(frame: Frame): Promise<void> {
    const config = this.#config;
    const { group, rois } = await this.#select(frame);
    this.update({ status: "running", active_group: group });
    if (rois.length === 0) return;
    const withImages = this.#deps.bus.hasSubscribers(config.camId);
    const results = await this.#deps.reader.readFrame(frame, rois.map(toTask), {
      deadlineMs: config.resultTimeout * 1000,
      returnCrops: withImages,
    });
    const resultTime = this.clock.now() / 1000;
    const frameTime = frame.time / 1000;
    const entries = await Promise.all(results.map(async (r, i): Promise<RoiResultEntry> => {
      const roi = rois[i];
      const entry: RoiResultEntry = {
        id: r.id,
        name: r.name,
        text: r.text,
        module: r.module,
        group: roi.group || roi.page || "",
        cam_id: config.camId,
        source: config.source,
        frame_time: frameTime,
        result_time: frameTime + r.duration,
        duration: r.duration,
      };
      if (r.value !== undefined) entry.value = r.value;
      if (r.confidence !== undefined) entry.confidence = r.confidence;
      if (r.error) entry.error = r.error;
      if (r.truncated) entry.truncated = true;
      if (roi.mqtt_config) entry.mqtt_config = roi.mqtt_config;
      if (r.crop) entry.image = await cropJpegBase64(r.crop);
      return entry;
    }));
    entries.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const failed = entries.filter((e) => e.error).length;
    const result: FrameResult = {
      frame_time: frameTime,
      result_time: resultTime,
      cam_id: config.camId,
      source: config.source,
      group,
      frame_duration: Math.max(0, resultTime - frameTime),
      results: entries,
    };
    const s = this.snapshot();
    this.update({
      frames_processed: s.frames_processed + 1,
      reads_ok: s.reads_ok + entries.length - failed,
      reads_failed: s.reads_failed + failed,
      last_frame_time: frameTime,
      last_result_time: resultTime,
      last_frame_duration: result.frame_duration,
      last_error: entries.find((e) => e.error)?.error ?? s.last_error,
    });
    this.#deps.bus.publishResult(result);
  }

  /** VisionROI's group choice (§3.5), except that no group and no templates reads every ROI. */
  async #select(frame: Frame): Promise<{ group: string; rois: JobRoi[] }> {
    const { group, rois } = this.#config;
    const readable = rois.filter((r) => (r.type ?? "roi") === "roi" && r.module);
    if (group === "all") return { group: "all", rois: readable };
    if (group) return { group, rois: readable.filter((r) => r.group === group) };
    const pages = rois.filter((r) => r.type === "page" && r.image);
    if (pages.length === 0 || !this.#deps.detectPage) return { group: "", rois: readable };
    const scored = await this.#deps.detectPage(frame, pages);
    this.#deps.bus.publishGroup(this.#config.camId, { group: scored.group, scores: scored.scores });
    const { group: found, outline, transform } = scored;
    this.update({
      detected_page: found && outline
        ? { id: scored.pageId ?? "", page: found, points: outline, transform: transform ?? null }
        : null,
      ...(scored.error ? { last_error: `page detection: ${scored.error}` } : {}),
    });
    const chosen = found ? readable.filter((r) => r.group === found) : [];
    // The page moved since its ROIs were drawn: they follow it.
    const moved = transform
      ? chosen.map((r) => ({ ...r, points: mapShape(transform, r.points) }))
      : chosen;
    return { group: found, rois: moved };
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = this.clock.setTimeout(() => done(), ms);
      const done = () => {
        this.clock.clearTimeout(timer);
        this.#wake = undefined;
        resolve();
      };
      this.#wake = done;
    });
  }
}

function toTask(roi: JobRoi): RoiTask {
  return {
    id: String(roi.id),
    name: roi.name || String(roi.id),
    module: roi.module ?? "",
    points: roi.points,
    params: roi.params,
  };
}

/** JPEG (q80, VisionROI's) of a crop as base64. */
async function cropJpegBase64(crop: RgbaImage): Promise<string> {
  const buf = await sharp(crop.data, {
    raw: { width: crop.width, height: crop.height, channels: 4 },
  })
    .jpeg({ quality: 80 })
    .toBuffer();
  return buf.toString("base64");
}
