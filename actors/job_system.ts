/**
 * Inference jobs under one supervisor, one per cam_id. Starting a running job reconfigures it
 * (VisionROI's hot path); the desired state of each job, inline ROIs included, persists so that a
 * restart or `kill -9` brings it back as it was.
 */
import {
  type FrameReader,
  InferenceJobActor,
  type JobConfig,
  type JobRoi,
  type JobSnapshot,
  type PageDetector,
} from "./inference_job_actor.ts";
import type { CameraSystem } from "./camera_system.ts";
import type { ResultBus } from "./result_bus.ts";
import type { CamSettings, StreamSessions } from "./stream_sessions.ts";
import {
  type Clock,
  keySegment,
  type SnapshotStore,
  Supervisor,
  systemClock,
} from "./runtime/mod.ts";

/** A start request after validation; `undefined` fields were absent from the body. */
export interface StartRequest {
  settings?: CamSettings;
  rois?: JobRoi[];
  group?: string | null;
  interval?: number | null;
  resultTimeout?: number | null;
  drawPageBoxes?: boolean | null;
}

/** VisionROI's answer words for job control. */
export interface JobAnswer {
  status: "started" | "already_running" | "roi_running" | "stopped" | "no_task" | "error";
  cam_id: string;
  message?: string;
}

/** VisionROI's `stream_health` object. */
export interface StreamHealth {
  state: "starting" | "active" | "outage" | "stopped" | "unknown";
  updated_at: number;
  last_frame_time?: number;
  camera_status?: string;
  last_error?: string | null;
}

/** What the job system is built with. */
export interface JobSystemOptions {
  cameras: CameraSystem;
  sessions: StreamSessions;
  bus: ResultBus;
  reader: FrameReader;
  /** Where job configs persist (`job/<cam_id>`). */
  store: SnapshotStore;
  /** The saved ROIs of a source (its `rois.json`). */
  loadRois: (source: string) => Promise<JobRoi[]>;
  detectPage?: PageDetector;
  clock?: Clock;
}

const key = (camId: string) => `job/${keySegment(camId)}`;

/** All inference jobs. */
export class JobSystem {
  readonly supervisor: Supervisor<InferenceJobActor>;
  #o: JobSystemOptions;
  #clock: Clock;

  constructor(opts: JobSystemOptions) {
    this.#o = opts;
    this.#clock = opts.clock ?? systemClock;
    this.supervisor = new Supervisor({ clock: this.#clock });
  }

  /** Starts or reconfigures the job of a cam_id. */
  async start(camId: string, req: StartRequest): Promise<JobAnswer> {
    if (this.#o.sessions.previewRunning(camId)) return { status: "roi_running", cam_id: camId };
    const running = this.#instance(camId);
    const prev = running?.config() ?? (await this.#o.store.load<JobConfig>(key(camId)));
    const entry = this.#o.sessions.entry(camId);
    const interval = pick(req.interval, prev?.interval, 1.0, (v) => Math.max(0, v));
    const resultTimeout = pick(
      req.resultTimeout,
      prev?.resultTimeout,
      10.0,
      (v) => Math.max(0.1, v),
    );
    const group = req.group !== undefined ? req.group : (prev?.group ?? null);
    const drawPageBoxes = req.drawPageBoxes ?? prev?.drawPageBoxes ?? true;
    const bound = await this.#o.sessions.bind(camId, req.settings, {
      inference_running: true,
      inference_group: group,
      interval,
      result_timeout: resultTimeout,
      draw_page_boxes: drawPageBoxes,
    });
    if ("error" in bound) {
      if (!running) await this.#o.sessions.patch(camId, { inference_running: false });
      return { status: "error", cam_id: camId, message: "open_failed" };
    }
    const source = this.#o.sessions.entry(camId)?.active_source || entry?.active_source || "";
    const rois = req.rois ?? (source ? await this.#o.loadRois(source) : prev?.rois ?? []);
    const config: JobConfig = {
      camId,
      cameraId: bound.cameraId,
      source,
      rois,
      group,
      interval,
      resultTimeout,
      drawPageBoxes,
    };
    await this.#o.store.save(key(camId), config);
    if (running && running.config().cameraId === config.cameraId) {
      await running.send({ type: "reconfigure", config });
      return { status: "already_running", cam_id: camId };
    }
    await this.#launch(config);
    return { status: running ? "already_running" : "started", cam_id: camId };
  }

  /**
   * Stops a job; its sockets close with the reason `stopped`. Throws when the stopped state cannot
   * be saved (a full disk): the job is stopped, but would start again after a restart.
   */
  async stop(camId: string): Promise<JobAnswer> {
    const known = this.supervisor.status(`job:${camId}`);
    if (!known) {
      // A stop whose save failed is retried by the next stop, which must not answer `no_task` then.
      await this.#o.sessions.saveIfStale();
      return { status: "no_task", cam_id: camId };
    }
    await this.supervisor.stopChild(`job:${camId}`);
    this.#o.bus.close(camId, "stopped");
    // service_state.json first: it decides what runs after a restart, and removing the job's
    // config could free the very space its write then takes.
    await this.#o.sessions.patch(camId, { inference_running: false });
    await this.#o.store.delete(key(camId));
    return { status: "stopped", cam_id: camId };
  }

  /** Starts every job `service_state.json` says was running. */
  async restore(): Promise<string[]> {
    const started: string[] = [];
    for (const [camId, entry] of this.#o.sessions.entries()) {
      if (!entry.inference_running || this.#instance(camId)) continue;
      const saved = await this.#o.store.load<JobConfig>(key(camId));
      const answer = await this.start(camId, {
        rois: saved?.rois,
        group: saved?.group ?? entry.inference_group,
        interval: saved?.interval ?? entry.interval,
        resultTimeout: saved?.resultTimeout ?? entry.result_timeout,
        drawPageBoxes: saved?.drawPageBoxes ?? entry.draw_page_boxes,
      });
      if (answer.status === "started") started.push(camId);
      else console.error(`job ${camId} not restored: ${answer.status} ${answer.message ?? ""}`);
    }
    return started;
  }

  /** The snapshot of a job, if one runs. */
  snapshot(camId: string): JobSnapshot | undefined {
    return this.#instance(camId)?.snapshot();
  }

  /** The config of a running job. */
  config(camId: string): JobConfig | undefined {
    return this.#instance(camId)?.config();
  }

  /** cam_ids of every job the supervisor knows. */
  camIds(): string[] {
    return this.supervisor.ids().map((id) => id.slice("job:".length));
  }

  /** VisionROI's `/inference_status` answer. */
  status(camId: string) {
    const st = this.supervisor.status(`job:${camId}`);
    const job = this.snapshot(camId);
    const entry = this.#o.sessions.entry(camId);
    return {
      running: st !== undefined && st.state !== "failed" && st.state !== "stopped",
      cam_id: camId,
      source: entry?.active_source ?? "",
      group: job?.group ?? entry?.inference_group ?? "",
      stream_health: this.#health(camId),
      job: job ?? null,
      supervision: st ?? null,
    };
  }

  /** Stops every job, newest first. */
  async stopAll(): Promise<void> {
    await this.supervisor.stopAll();
  }

  #health(camId: string): StreamHealth {
    const cameraId = this.#instance(camId)?.config().cameraId ?? this.#o.sessions.cameraOf(camId);
    const view = cameraId ? this.#o.cameras.view(cameraId) : undefined;
    const now = this.#clock.now() / 1000;
    if (!view) return { state: "unknown", updated_at: now };
    const state = view.status === "live"
      ? "active"
      : view.status === "starting"
      ? "starting"
      : view.status === "stopped"
      ? "stopped"
      : "outage";
    return {
      state,
      updated_at: now,
      last_frame_time: view.lastFrameTime ? view.lastFrameTime / 1000 : undefined,
      camera_status: view.status,
      last_error: view.lastError,
    };
  }

  async #launch(config: JobConfig): Promise<void> {
    await this.supervisor.startChild({
      id: `job:${config.camId}`,
      kind: "permanent",
      create: () => new InferenceJobActor(config, { ...this.#o, clock: this.#clock }),
    });
  }

  #instance(camId: string): InferenceJobActor | undefined {
    return this.supervisor.instance(`job:${camId}`);
  }
}

function pick(
  value: number | null | undefined,
  previous: number | undefined,
  fallback: number,
  clamp: (v: number) => number,
): number {
  if (value === null) return fallback;
  if (value === undefined) return previous ?? fallback;
  return Number.isFinite(value) ? clamp(value) : fallback;
}
