/**
 * One inference job per cam_id, message-driven: a `tick` (every `interval` seconds, or after each
 * frame when the interval is 0) asks the camera for a newer frame; `frame_read` then asks the read
 * scheduler for a turn (read_scheduler.ts: the pool has room, fair between jobs); `turn` binds the
 * newest frame the camera has at that moment (late binding: a frame never waits in the pool's
 * queue), picks the ROIs (a group, `all`, or the detected page) and sends them to the pool
 * together; `roi_results` aggregates the answers into one result and publishes it. A tick that
 * comes while a frame is still being read is skipped and counted (`ticks_skipped`), and so is a
 * delivered frame an interval-0 job never read because a newer one was bound (`frames_skipped`).
 * ROIs with `skip_unchanged` whose crop did not change (crop_fingerprint.ts) reuse their last
 * reading (`cached: true`) instead of a pool read. `reconfigure` swaps the desired state (the job
 * system sends it when the job's ROI set, group or interval changes); `cancel` stops reading and
 * says why. Selection and aggregation are the pure functions of `jobs/job_logic.ts`.
 */
import { Actor, type Clock, type TimerId } from "../runtime/mod.ts";
import type { Frame } from "../frame_sources/frame.ts";
import type { FrameResult, ResultBus } from "./result_bus.ts";
import type { RgbaImage } from "../../inference_modules/module_types.ts";
import type { ReadFrameOptions, RoiResult, RoiTask } from "../../inference_modules/pool_types.ts";
import type { Matrix3 } from "../../inference_modules/page_geometry.ts";
import { validateRoiPolygon } from "../../inference_modules/roi_polygon.ts";
import type { ReadGrant, ReadScheduler, TurnRequest } from "./read_scheduler.ts";
import { type Fingerprint, fingerprint, unchanged } from "./crop_fingerprint.ts";
import {
  aggregate,
  groupMessage,
  type JobRoi,
  type PageDetection,
  pagesToDetect,
  readableRois,
  type Selection,
  selectRois,
  toTask,
} from "./job_logic.ts";

import type { JobConfig } from "../state/job_spec.ts";

export type { JobRoi, PageDetection } from "./job_logic.ts";
export type { JobConfig } from "../state/job_spec.ts";

/** What the job needs from the worker pool. */
export interface FrameReader {
  readFrame(frame: Frame, rois: RoiTask[], opts?: ReadFrameOptions): Promise<RoiResult[]>;
}

/** Scores page templates against a frame: `group` is the best page over the threshold or "". */
export type PageDetector = (frame: Frame, pages: JobRoi[]) => Promise<PageDetection>;

/** What a job needs from its camera (the camera system). */
export interface JobCamera {
  hold(id: string, holder: string): Promise<boolean>;
  release(id: string, holder: string): Promise<void>;
  nextFrame(id: string, afterSeq: number, timeoutMs: number): Promise<Frame | undefined>;
  /** The newest frame the camera has now (late binding); absent: the frame the tick got. */
  latest?(id: string): Frame | undefined;
  view(id: string): { status: string; lastError: string | null } | undefined;
}

/**
 * Job lifecycle; `reason` in the snapshot says why for `waiting_for_camera` (the camera's error or
 * state), `stopped` (`source deleted`) and `failed`.
 */
export type JobStatus =
  | "starting"
  | "running"
  | "waiting_for_camera"
  | "no_rois"
  | "stopped"
  | "failed";

/** JSON snapshot of a job. */
export interface JobSnapshot {
  status: JobStatus;
  /** Why the job is in its status, when it is not plainly running; else null. */
  reason: string | null;
  cam_id: string;
  source: string;
  group: string | null;
  /** The group read on the last frame (detected page, forced group, "all"). */
  active_group: string;
  interval: number;
  result_timeout: number;
  frames_processed: number;
  ticks_skipped: number;
  /** Interval 0: frames the camera delivered that were not read because a newer one was bound. */
  frames_skipped: number;
  reads_ok: number;
  /** Readings reused because the crop did not change (`skip_unchanged`); also in `reads_ok`. */
  reads_cached: number;
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

/** The job's messages: its work (`tick`, `frame_read`, `roi_results`) and its control. */
export type JobMessage =
  | { type: "tick" }
  | { type: "frame_read"; run: number; frame?: Frame; error?: Error }
  | { type: "turn"; run: number; frame: Frame; grant: ReadGrant }
  | {
    type: "roi_results";
    run: number;
    frame: Frame;
    /** The config the frame was read with. */
    config: JobConfig;
    selection: Selection;
    results: RoiResult[];
    /** Base64 JPEG crops by index, when someone wanted images. */
    crops?: (string | undefined)[];
    /** Which results are reused readings (`skip_unchanged`), by index. */
    cached?: boolean[];
    /** When the frame was bound and handed to the pool, ms since the epoch. */
    readStart?: number;
    detection?: PageDetection;
    error?: Error;
  }
  | { type: "reconfigure"; config: JobConfig }
  | { type: "cancel"; reason: string };

/**
 * Judges a frame's entries in place before they are published (the plausibility rules): gets the
 * result and the rules of each ROI id as the job's current desired state has them.
 */
export type ResultJudge = (
  result: FrameResult,
  rulesOf: (roiId: string) => JobRoi["rules"] | undefined,
) => void;

/** Everything a job is built with. */
export interface JobDeps {
  cameras: JobCamera;
  reader: FrameReader;
  bus: ResultBus;
  detectPage?: PageDetector;
  /** The plausibility stage; none: entries carry no status. */
  judge?: ResultJudge;
  /** Fair, late-binding admission into the pool; absent: every frame is read at once. */
  scheduler?: ReadScheduler;
  clock?: Clock;
}

/** How long a job waits for a newer frame before it says it is waiting, ms. */
export const FRAME_WAIT_MS = 1_000;
/** Pause before asking again when no frame came or nothing is to read (interval 0), ms. */
export const RETRY_MS = 200;
/** A `skip_unchanged` ROI is read for real at least this often, ms. */
export const SKIP_MAX_AGE_MS = 10_000;

/** The last real reading of a `skip_unchanged` ROI and the crop it was read from. */
interface CachedRead {
  /** The ROI's module, params and points when it was read: any edit reads again. */
  key: string;
  print: Fingerprint;
  result: RoiResult;
  image?: string;
  /** When it was read, ms since the epoch. */
  at: number;
}

/** The inference job actor. */
export class InferenceJobActor extends Actor<JobMessage, JobSnapshot> {
  #config: JobConfig;
  #deps: JobDeps;
  /** Which read is current: bumped by `cancel` and stop, so late answers are ignored. */
  #run = 0;
  /** idle; waiting for a newer frame; waiting for a turn in the pool; reading the bound frame. */
  #phase: "idle" | "frame" | "turn" | "rois" = "idle";
  #lastSeq = -1;
  #timer: TimerId | undefined;
  #cancelled = false;
  #turn: TurnRequest | undefined;
  #cache = new Map<string, CachedRead>();

  constructor(config: JobConfig, deps: JobDeps) {
    super(`job:${config.camId}`, {
      status: "starting",
      reason: null,
      cam_id: config.camId,
      source: config.source,
      group: config.group,
      active_group: "",
      interval: config.interval,
      result_timeout: config.resultTimeout,
      frames_processed: 0,
      ticks_skipped: 0,
      frames_skipped: 0,
      reads_ok: 0,
      reads_cached: 0,
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
    void this.send({ type: "tick" });
    return async () => {
      this.#run++;
      this.#clearTimer();
      this.#dropTurn();
      this.#deps.scheduler?.forget(this.#config.camId);
      await this.#deps.cameras.release(cameraId, holder);
    };
  }

  protected receive(msg: JobMessage): void {
    switch (msg.type) {
      case "tick":
        return this.#tick();
      case "frame_read":
        return this.#frameRead(msg);
      case "turn":
        return this.#onTurn(msg);
      case "roi_results":
        return this.#roiResults(msg);
      case "reconfigure":
        return this.#reconfigure(msg.config);
      case "cancel":
        this.#cancelled = true;
        this.#run++;
        this.#phase = "idle";
        this.#clearTimer();
        this.#dropTurn();
        this.update({ status: "stopped", reason: msg.reason });
        return;
    }
  }

  #tick(): void {
    if (this.#cancelled) return;
    const intervalMs = this.#config.interval * 1000;
    if (intervalMs > 0) this.#schedule(intervalMs);
    if (this.#phase !== "idle") {
      if (intervalMs > 0) this.update({ ticks_skipped: this.snapshot().ticks_skipped + 1 });
      return;
    }
    this.#phase = "frame";
    const run = this.#run;
    const { cameraId } = this.#config;
    this.#deps.cameras.nextFrame(cameraId, this.#lastSeq, FRAME_WAIT_MS).then(
      (frame) => this.#post({ type: "frame_read", run, frame }),
      (err) => this.#post({ type: "frame_read", run, error: asError(err) }),
    );
  }

  #frameRead(msg: Extract<JobMessage, { type: "frame_read" }>): void {
    if (msg.run !== this.#run) return;
    if (msg.error) throw msg.error;
    const frame = msg.frame;
    if (!frame) {
      this.#phase = "idle";
      const view = this.#deps.cameras.view(this.#config.cameraId);
      const reason = view?.lastError ??
        (view && view.status !== "live" ? `camera ${view.status}` : "no frame yet");
      this.update({ status: "waiting_for_camera", reason });
      this.#idleAgain(RETRY_MS);
      return;
    }
    const config = this.#config;
    const pages = pagesToDetect(config.rois, config.group, this.#deps.detectPage !== undefined);
    if (!pages && readableRois(config.rois).length === 0) {
      this.#lastSeq = frame.seq;
      this.#phase = "idle";
      this.update({ status: "no_rois", reason: null, last_frame_time: frame.time / 1000 });
      this.#idleAgain(RETRY_MS);
      return;
    }
    const run = this.#run;
    const scheduler = this.#deps.scheduler;
    if (!scheduler) return this.#bind(frame, undefined);
    // Wait for room in the pool; the frame is bound only when the turn comes.
    this.#phase = "turn";
    const turn = scheduler.request(config.camId, turnCost(config, pages));
    this.#turn = turn;
    turn.granted.then((grant) => {
      if (this.#turn === turn) this.#turn = undefined;
      if (this.ended) return grant.finish();
      this.send({ type: "turn", run, frame, grant }).catch(() => grant.finish());
    });
  }

  #onTurn(msg: Extract<JobMessage, { type: "turn" }>): void {
    if (msg.run !== this.#run || this.#cancelled) return msg.grant.finish();
    this.#bind(msg.frame, msg.grant);
  }

  /** Binds the newest frame the camera has now and starts reading it. */
  #bind(frame: Frame, grant: ReadGrant | undefined): void {
    const newest = this.#deps.cameras.latest?.(this.#config.cameraId);
    // Same camera instance (its seq only grows): take the newer frame.
    if (newest && newest.seq > frame.seq) frame = newest;
    if (this.#config.interval <= 0 && this.#lastSeq >= 0 && frame.seq > this.#lastSeq + 1) {
      this.update({
        frames_skipped: this.snapshot().frames_skipped + frame.seq - this.#lastSeq - 1,
      });
    }
    this.#lastSeq = frame.seq;
    const config = this.#config;
    const pages = pagesToDetect(config.rois, config.group, this.#deps.detectPage !== undefined);
    this.#phase = "rois";
    const run = this.#run;
    const readStart = this.clock.now();
    void this.#read(frame, config, pages, grant).then(
      (done) => this.#post({ type: "roi_results", run, frame, config, readStart, ...done }),
      (err) =>
        this.#post({
          type: "roi_results",
          run,
          frame,
          config,
          selection: { group: "", rois: [] },
          results: [],
          error: asError(err),
        }),
    ).finally(() => grant?.finish());
  }

  /**
   * The I/O of one frame: page detection when needed, the reuse of unchanged crops, the ROI reads,
   * and the crops' JPEGs. The grant hears of each finished read (its worker is free again).
   */
  async #read(
    frame: Frame,
    config: JobConfig,
    pages: JobRoi[] | undefined,
    grant: ReadGrant | undefined,
  ) {
    const detection = pages ? await this.#deps.detectPage!(frame, pages) : undefined;
    if (pages) grant?.done();
    const selection = selectRois(config.rois, config.group, detection);
    if (selection.rois.length === 0) return { selection, results: [], detection };
    const withImages = this.#deps.bus.hasSubscribers(config.camId);
    const now = this.clock.now();
    // skip_unchanged: a crop like the one last read reuses that reading.
    const prints: (Fingerprint | undefined)[] = [];
    const reused: (CachedRead | undefined)[] = [];
    selection.rois.forEach((roi, i) => {
      if (!(roi.skip_unchanged ?? config.skipUnchanged ?? false)) return;
      const print = cropPrint(frame, roi);
      prints[i] = print;
      const last = this.#cache.get(String(roi.id));
      if (
        print && last && last.key === roiKey(roi) && now - last.at < SKIP_MAX_AGE_MS &&
        (!withImages || last.image) && unchanged(print, last.print)
      ) reused[i] = last;
    });
    const toRead = selection.rois.filter((_, i) => !reused[i]);
    const cachedCount = selection.rois.length - toRead.length;
    if (cachedCount > 0) grant?.done(cachedCount);
    const read = toRead.length === 0 ? [] : await this.#deps.reader.readFrame(
      frame,
      toRead.map(toTask),
      {
        deadlineMs: config.resultTimeout * 1000,
        returnCrops: withImages,
        onResult: grant ? () => grant.done() : undefined,
      },
    );
    const readCrops = withImages
      ? await Promise.all(read.map((r) => r.crop ? cropJpegBase64(r.crop) : undefined))
      : undefined;
    const results: RoiResult[] = [];
    const crops: (string | undefined)[] = [];
    const cached: boolean[] = [];
    let k = 0;
    selection.rois.forEach((roi, i) => {
      const hit = reused[i];
      if (hit) {
        results.push({ ...hit.result, duration: 0 });
        crops.push(hit.image);
        cached.push(true);
        return;
      }
      const r = read[k];
      const image = readCrops?.[k];
      k++;
      results.push(r);
      crops.push(image);
      cached.push(false);
      const print = prints[i];
      const id = String(roi.id);
      if (print && r.error === undefined) {
        const { crop: _crop, ...kept } = r;
        this.#cache.set(id, { key: roiKey(roi), print, result: kept, image, at: now });
      } else this.#cache.delete(id);
    });
    return {
      selection,
      results,
      crops: withImages ? crops : undefined,
      cached: cachedCount > 0 ? cached : undefined,
      detection,
    };
  }

  #roiResults(msg: Extract<JobMessage, { type: "roi_results" }>): void {
    if (msg.run !== this.#run) return;
    if (msg.error) throw msg.error;
    this.#phase = "idle";
    const config = this.#config;
    const { detection, selection } = msg;
    const group = groupMessage(selection, detection);
    if (group) this.#deps.bus.publishGroup(config.camId, group);
    if (detection) {
      this.update({
        detected_page: detection.group && detection.outline
          ? {
            id: detection.pageId ?? "",
            page: detection.group,
            points: detection.outline,
            transform: (detection.transform ?? null) as Matrix3 | null,
          }
          : null,
        ...(detection.error ? { last_error: `page detection: ${detection.error}` } : {}),
      });
    }
    this.update({ status: "running", reason: null, active_group: selection.group });
    if (msg.results.length > 0) {
      // ROIs removed while this frame was read are neither published nor counted.
      const keep = msg.config === config
        ? undefined
        : new Set(readableRois(config.rois).map((r) => String(r.id)));
      const agg = aggregate({
        camId: config.camId,
        source: config.source,
        group: selection.group,
        frameTime: msg.frame.time,
        now: this.clock.now(),
        rois: selection.rois,
        results: msg.results,
        crops: msg.crops,
        cached: msg.cached,
        readStart: msg.readStart,
        keep,
      });
      const s = this.snapshot();
      this.update({
        frames_processed: s.frames_processed + 1,
        reads_ok: s.reads_ok + agg.ok,
        reads_cached: s.reads_cached + agg.cached,
        reads_failed: s.reads_failed + agg.failed,
        last_frame_time: agg.result.frame_time,
        last_result_time: agg.result.result_time,
        last_frame_duration: agg.result.frame_duration,
        last_error: agg.firstError ?? s.last_error,
      });
      if (agg.result.results.length) {
        // The rules of the ROIs as they are now: an edit while the frame was read applies to it.
        const rules = new Map(config.rois.map((r) => [String(r.id), r.rules ?? undefined]));
        this.#deps.judge?.(agg.result, (id) => rules.get(id) ?? undefined);
        this.#deps.bus.publishResult(agg.result);
      }
    }
    if (this.#config.interval <= 0) void this.#post({ type: "tick" });
  }

  #reconfigure(config: JobConfig): void {
    this.#config = config;
    this.update({
      group: config.group,
      interval: config.interval,
      result_timeout: config.resultTimeout,
      source: config.source,
    });
    if (this.#cancelled) return;
    // The new desired state applies at once: a new cadence from now, and a read if idle.
    this.#clearTimer();
    if (this.#phase === "idle") void this.#post({ type: "tick" });
    else if (config.interval > 0) this.#schedule(config.interval * 1000);
  }

  /** Back to idle: with an interval the next tick is already due; without one, ask again soon. */
  #idleAgain(ms: number): void {
    if (this.#config.interval <= 0) this.#schedule(ms);
  }

  #schedule(ms: number): void {
    this.#clearTimer();
    this.#timer = this.clock.setTimeout(() => {
      this.#timer = undefined;
      void this.#post({ type: "tick" });
    }, ms);
  }

  /** Withdraws a pending turn request (cancel, stop). */
  #dropTurn(): void {
    this.#turn?.cancel();
    this.#turn = undefined;
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) this.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Sends to itself; after it ended there is nobody to tell (a late answer is dropped). */
  #post(msg: JobMessage): Promise<void> {
    if (this.ended) return Promise.resolve();
    return this.send(msg).catch((err) => {
      if (!this.ended) console.error(`${this.id}: ${msg.type} lost: ${(err as Error).message}`);
    });
  }
}

/** The reads a frame's turn holds: the ROIs it would read (the largest page's when detecting), +1 for detection. */
function turnCost(config: JobConfig, pages: JobRoi[] | undefined): number {
  if (!pages) return Math.max(1, selectRois(config.rois, config.group).rois.length);
  const sizes = new Map<string, number>();
  for (const r of readableRois(config.rois)) {
    const g = r.group ?? "";
    sizes.set(g, (sizes.get(g) ?? 0) + 1);
  }
  return 1 + Math.max(0, ...sizes.values());
}

/** The fingerprint of a ROI's crop, or undefined when its shape is not usable (the pool says why). */
function cropPrint(frame: Frame, roi: JobRoi): Fingerprint | undefined {
  try {
    return fingerprint(frame, validateRoiPolygon(String(roi.id), roi.points, frame));
  } catch {
    return undefined;
  }
}

/** What a cached reading depends on besides the pixels. */
function roiKey(roi: JobRoi): string {
  return JSON.stringify([roi.module ?? "", roi.params ?? null, roi.points]);
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/** JPEG (q80, VisionROI's) of a crop as base64. */
async function cropJpegBase64(crop: RgbaImage): Promise<string> {
  const { default: sharp } = await import("sharp"); // loaded on first use (~30 MB)
  const buf = await sharp(crop.data, {
    raw: { width: crop.width, height: crop.height, channels: 4 },
  })
    .jpeg({ quality: 80 })
    .toBuffer();
  return buf.toString("base64");
}
