/**
 * Prometheus metrics of the process (prom-client). Events are counted as they happen
 * (`metrics.roiRead(…)`, `metrics.wsOpened(…)`); camera, job, pool and result-stream gauges are
 * set at scrape time from the snapshots the caller passes to {@linkcode Metrics.scrape}.
 * Labels are bounded: camera id, source name, module name, outcome, stream kind, camera status.
 * Never a text, a value, a path or a job's cam_id (UI panels make a random one per panel).
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { CameraSnapshot, CameraStatus } from "../cameras/camera_actor.ts";
import type { PoolStats, RoiResult } from "../../inference_modules/pool_types.ts";

/**
 * Frame-stream WebSocket kinds counted by {@linkcode Metrics.wsOpened} and friends
 * (`/ws_roi_result` clients and drops come from `ResultBus.stats()` at scrape time).
 */
export type WsStream = "ws" | "ws_roi";

/** One running job's counters, as its snapshot has them. */
export interface JobCounters {
  /** The job's source name: the label (jobs on one source are summed). */
  source: string;
  /** Frames read so far. */
  framesProcessed: number;
  /** Ticks skipped because the previous frame was still being read. */
  ticksSkipped: number;
  /** Interval 0: delivered frames not read because a newer one was bound. */
  framesSkipped?: number;
  /** Readings reused because the crop did not change (`skip_unchanged`). */
  readsCached?: number;
}

/** What a scrape reads from the running system; an absent part reads as no series (or 0). */
export interface ScrapeInputs {
  /** Every camera's snapshot (`CameraSystem.views()`). */
  cameras?: readonly CameraSnapshot[];
  /** Running inference jobs. */
  jobs?: readonly JobCounters[];
  /** Worker pool counters. */
  pool?: PoolStats;
  /** `/ws_roi_result` subscribers now and messages dropped so far (`ResultBus.stats()`). */
  results?: { subscribers: number; dropped: number };
  /** Batch tasks by status (`BatchSystem.stats()`). */
  batch?: { queued: number; running: number; done: number; failed: number; cancelled: number };
  /** Per-webhook delivery counters (`WebhookSystem.stats()`). */
  webhooks?: readonly WebhookCounters[];
}

/** One webhook's delivery counters (hook names are bounded: they come from `webhooks.json`). */
export interface WebhookCounters {
  hook: string;
  queued: number;
  delivered: number;
  failed: number;
  dropped: number;
  retries: number;
}

const CAMERA_STATUSES: readonly CameraStatus[] = [
  "starting",
  "live",
  "stalled",
  "restarting",
  "failed",
  "stopped",
];

/** Latency buckets in seconds: a 5 ms light check up to a 30 s cloud OCR call. */
export const READ_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Most distinct module labels kept; later names count as `other` (a bound, not a limit users hit). */
const MAX_MODULES = 64;

/** The process's metrics: counters that move on events, gauges filled at scrape time. */
export class Metrics {
  /** The prom-client registry (only this class's metrics, no process defaults). */
  readonly registry = new Registry();
  /** ROI reads by module and outcome (`ok` / `error`). */
  readonly roiReads: Counter<"module" | "outcome">;
  /** ROI read latency by module, seconds. */
  readonly readSeconds: Histogram<"module">;
  /** Readings the plausibility rules rejected, by module and rule kind (`max_rate`, never the text). */
  readonly roiRejected: Counter<"module" | "reason">;
  /** Connected WebSocket clients by stream kind (frame streams; result streams come from the bus). */
  readonly wsClients: Gauge<"stream">;
  /** WebSocket messages dropped for slow clients, by stream kind. */
  readonly wsDropped: Counter<"stream">;
  #modules = new Set<string>();
  #snap: ReturnType<typeof snapshotMetrics>;

  constructor() {
    const registers = [this.registry];
    this.roiReads = new Counter({
      name: "visionroi_roi_reads_total",
      help: "ROI reads by recognition module and outcome (ok or error).",
      labelNames: ["module", "outcome"],
      registers,
    });
    this.readSeconds = new Histogram({
      name: "visionroi_roi_read_duration_seconds",
      help: "Time to read one ROI, by recognition module.",
      labelNames: ["module"],
      buckets: READ_BUCKETS,
      registers,
    });
    this.roiRejected = new Counter({
      name: "visionroi_roi_rejected_total",
      help: "ROI readings rejected by plausibility rules, by module and rule " +
        "(not_numeric, repeats, min, max, decrease, max_delta, max_rate).",
      labelNames: ["module", "reason"],
      registers,
    });
    this.wsClients = new Gauge({
      name: "visionroi_ws_clients",
      help: "Connected frame-stream WebSocket clients by stream (ws, ws_roi).",
      labelNames: ["stream"],
      registers,
    });
    this.wsDropped = new Counter({
      name: "visionroi_ws_messages_dropped_total",
      help: "Frame-stream WebSocket messages dropped for a slow client, by stream (ws, ws_roi).",
      labelNames: ["stream"],
      registers,
    });
    this.#snap = snapshotMetrics(this.registry);
  }

  /** Counts one ROI read of `module`: its outcome and its latency in seconds. */
  roiRead(module: string, ok: boolean, seconds: number): void {
    const label = this.#moduleLabel(module);
    this.roiReads.inc({ module: label, outcome: ok ? "ok" : "error" });
    if (Number.isFinite(seconds) && seconds >= 0) {
      this.readSeconds.observe({ module: label }, seconds);
    }
  }

  /** Counts one reading of `module` rejected by a plausibility rule of kind `kind` (bounded words). */
  readingRejected(module: string, kind: string): void {
    this.roiRejected.inc({ module: this.#moduleLabel(module), reason: kind });
  }

  /** A WebSocket client of `stream` connected. */
  wsOpened(stream: WsStream): void {
    this.wsClients.inc({ stream });
  }

  /** A WebSocket client of `stream` went away. */
  wsClosed(stream: WsStream): void {
    this.wsClients.dec({ stream });
  }

  /** `n` messages of `stream` were dropped for a slow client. */
  wsMessagesDropped(stream: WsStream, n = 1): void {
    if (n > 0) this.wsDropped.inc({ stream }, n);
  }

  /** The exposition text, with snapshot gauges set from `inputs` first. */
  async scrape(inputs: ScrapeInputs = {}): Promise<string> {
    this.#snap.fill(inputs);
    return await this.registry.metrics();
  }

  /** The exposition content type. */
  get contentType(): string {
    return this.registry.contentType;
  }

  #moduleLabel(module: string): string {
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(module)) return "other";
    if (!this.#modules.has(module)) {
      if (this.#modules.size >= MAX_MODULES) return "other";
      this.#modules.add(module);
    }
    return module;
  }
}

/** The scrape-time metrics: declared once, cleared and refilled on every scrape. */
function snapshotMetrics(registry: Registry) {
  const registers = [registry];
  const gauge = <L extends string>(name: string, help: string, labelNames: L[]) =>
    new Gauge<L>({ name, help, labelNames, registers });
  const counter = <L extends string>(name: string, help: string, labelNames: L[]) =>
    new Counter<L>({ name, help, labelNames, registers });
  const cam = {
    fps: gauge("visionroi_camera_fps", "Measured frames per second of a camera.", ["camera"]),
    frames: counter("visionroi_camera_frames_total", "Frames a camera delivered.", ["camera"]),
    dropped: counter(
      "visionroi_camera_dropped_frames_total",
      "Frames a camera skipped because a newer one arrived first.",
      ["camera"],
    ),
    restarts: counter("visionroi_camera_restarts_total", "Camera restarts.", ["camera"]),
    stalls: counter("visionroi_camera_stalls_total", "Camera watchdog stalls.", ["camera"]),
    up: gauge("visionroi_camera_up", "1 when a camera is live, else 0.", ["camera"]),
    status: gauge(
      "visionroi_camera_status",
      "1 for a camera's current status, 0 for the others.",
      ["camera", "status"],
    ),
    lastFrame: gauge(
      "visionroi_camera_last_frame_timestamp_seconds",
      "Capture time of a camera's newest frame, seconds since the epoch.",
      ["camera"],
    ),
  };
  const jobs = {
    running: gauge("visionroi_jobs_running", "Inference jobs running.", []),
    frames: counter(
      "visionroi_job_frames_total",
      "Frames the running jobs of a source read.",
      ["source"],
    ),
    skipped: counter(
      "visionroi_job_ticks_skipped_total",
      "Ticks the running jobs of a source skipped (the previous frame was still being read).",
      ["source"],
    ),
    framesSkipped: counter(
      "visionroi_job_frames_skipped_total",
      "Frames the camera delivered that the interval-0 jobs of a source did not read (a newer one was bound).",
      ["source"],
    ),
    cached: counter(
      "visionroi_job_reads_cached_total",
      "ROI readings of a source's jobs reused because the crop did not change (skip_unchanged).",
      ["source"],
    ),
  };
  const pool = {
    workers: gauge("visionroi_pool_workers", "ROI worker threads alive.", []),
    busy: gauge("visionroi_pool_busy", "ROI workers running a task.", []),
    queued: gauge("visionroi_pool_queued", "ROI tasks waiting for a worker.", []),
    restarts: counter("visionroi_pool_restarts_total", "ROI workers replaced.", []),
    failures: counter(
      "visionroi_pool_task_failures_total",
      "ROI tasks answered with an error.",
      [],
    ),
  };
  const results = {
    clients: gauge(
      "visionroi_ws_result_clients",
      "Connected /ws_roi_result clients (result bus subscribers).",
      [],
    ),
    dropped: counter(
      "visionroi_ws_result_messages_dropped_total",
      "/ws_roi_result messages dropped for slow clients.",
      [],
    ),
  };
  const batchTasks = gauge("visionroi_batch_tasks", "Batch tasks by status.", ["status"]);
  const hooks = {
    queued: gauge("visionroi_webhook_queued", "Webhook deliveries waiting in the queue.", ["hook"]),
    deliveries: counter(
      "visionroi_webhook_deliveries_total",
      "Webhook deliveries by outcome: delivered (2xx) or failed (refused for good, not retried).",
      ["hook", "outcome"],
    ),
    retries: counter(
      "visionroi_webhook_retries_total",
      "Webhook attempts that failed (no answer, timeout, 5xx, 408, 429) and were retried.",
      ["hook"],
    ),
    dropped: counter(
      "visionroi_webhook_dropped_total",
      "Webhook deliveries dropped because the hook's queue was full (oldest first).",
      ["hook"],
    ),
  };
  const all = [
    ...Object.values(cam),
    ...Object.values(jobs),
    ...Object.values(pool),
    ...Object.values(hooks),
    batchTasks,
  ];
  return {
    fill(inputs: ScrapeInputs): void {
      for (const m of [...all, ...Object.values(results)]) m.reset();
      for (const v of inputs.cameras ?? []) {
        const camera = v.id;
        cam.fps.set({ camera }, v.fps);
        cam.frames.inc({ camera }, v.frames);
        cam.dropped.inc({ camera }, v.droppedFrames);
        cam.restarts.inc({ camera }, v.restarts);
        cam.stalls.inc({ camera }, v.stalls);
        cam.up.set({ camera }, v.status === "live" ? 1 : 0);
        for (const status of CAMERA_STATUSES) {
          cam.status.set({ camera, status }, v.status === status ? 1 : 0);
        }
        if (v.lastFrameTime !== null) cam.lastFrame.set({ camera }, v.lastFrameTime / 1000);
      }
      if (inputs.jobs) {
        jobs.running.set(inputs.jobs.length);
        for (const j of inputs.jobs) {
          jobs.frames.inc({ source: j.source }, j.framesProcessed);
          jobs.skipped.inc({ source: j.source }, j.ticksSkipped);
          jobs.framesSkipped.inc({ source: j.source }, j.framesSkipped ?? 0);
          jobs.cached.inc({ source: j.source }, j.readsCached ?? 0);
        }
      }
      if (inputs.pool) {
        const p = inputs.pool;
        pool.workers.set(p.workers);
        pool.busy.set(p.busy);
        pool.queued.set(p.queued);
        pool.restarts.inc(p.restarts);
        pool.failures.inc(p.failures);
      }
      if (inputs.batch) {
        const { queued, running, done, failed, cancelled } = inputs.batch;
        const counts = { pending: queued, processing: running, completed: done, failed, cancelled };
        for (const [status, n] of Object.entries(counts)) batchTasks.set({ status }, n);
      }
      for (const w of inputs.webhooks ?? []) {
        const hook = w.hook;
        hooks.queued.set({ hook }, w.queued);
        hooks.deliveries.inc({ hook, outcome: "delivered" }, w.delivered);
        hooks.deliveries.inc({ hook, outcome: "failed" }, w.failed);
        hooks.retries.inc({ hook }, w.retries);
        hooks.dropped.inc({ hook }, w.dropped);
      }
      if (inputs.results) {
        results.clients.set(inputs.results.subscribers);
        results.dropped.inc(inputs.results.dropped);
      }
    },
  };
}

/** Something that reads the ROIs of a frame, like the worker pool. */
export interface RoiReader<A extends unknown[]> {
  /** Answers one result per ROI. */
  readFrame(...args: A): Promise<RoiResult[]>;
}

/** Wraps `reader` so that every result it answers is counted: module, outcome, latency. */
export function countingReader<A extends unknown[]>(
  reader: RoiReader<A>,
  registry: Metrics,
): RoiReader<A> {
  return {
    async readFrame(...args: A): Promise<RoiResult[]> {
      const results = await reader.readFrame(...args);
      for (const r of results) registry.roiRead(r.module, r.error === undefined, r.duration);
      return results;
    },
  };
}

/** The process-wide metrics every part reports to (one server per process). */
export const metrics: Metrics = new Metrics();
