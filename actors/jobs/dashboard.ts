/**
 * `GET /api/dashboard`: VisionROI's payload (§2.8 of the reference) built from snapshots — jobs,
 * sessions, cameras, the recent results and the pool. Times are epoch seconds or UTC ISO, never
 * local naive ISO; status words are English.
 */
import type { CameraSystem } from "../cameras/camera_system.ts";
import type { JobSystem } from "./job_system.ts";
import type { FrameResult, ResultBus } from "./result_bus.ts";
import type { StreamSessions } from "../cameras/stream_sessions.ts";
import type { PoolStats } from "../../inference_modules/pool_types.ts";
import { cameraHealth } from "../cameras/camera_health.ts";
import {
  alertRow,
  moduleDetails,
  modulePerformance,
  sourceDetails,
  sourceRuns,
} from "./dashboard_metrics.ts";

/** What the dashboard reads. */
export interface DashboardInputs {
  jobs: JobSystem;
  sessions: StreamSessions;
  cameras: CameraSystem;
  bus: ResultBus;
  pool: { stats(): PoolStats };
  now?: number;
}

/** Linear-interpolated percentile (VisionROI's latency_p95). */
export function interpolatedPercentile(xs: number[], p: number): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const rank = (p / 100) * (s.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return s[lo] + (s[hi] - s[lo]) * (rank - lo);
}

/** Result rate from the last ≤10 distinct result times: (n-1)/(max-min), 3 decimals. */
export function actualFps(times: number[]): number | null {
  const uniq = [...new Set(times)].slice(-10);
  if (uniq.length < 2) return null;
  const span = Math.max(...uniq) - Math.min(...uniq);
  return span > 0 ? Math.round(((uniq.length - 1) / span) * 1000) / 1000 : null;
}

const avg = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

/** Builds the payload. */
export function buildDashboard(inp: DashboardInputs) {
  const now = inp.now ?? Date.now() / 1000;
  const recent = inp.bus.recent();
  const byCam = groupBy(recent, (r) => r.cam_id);
  const ids = new Set([...inp.sessions.entries().map(([id]) => id), ...inp.jobs.camIds()]);
  const cameras = [...ids].sort().map((camId) => cameraRow(inp, camId, byCam.get(camId) ?? []));
  const durations = recent.flatMap((r) => r.results.map((e) => e.duration));
  const intervals = cameras.filter((c) => c.inference_running && c.interval > 0).map((c) =>
    c.interval
  );
  const alertsHour = recent.filter((r) => now - r.result_time < 3600).length;
  const groups = groupRows(cameras);
  const modules = moduleDetails(recent, (name) => roiTypesOf(inp, [...ids], name));
  const framesOf = (camId: string) => byCam.get(camId) ?? [];
  const pool = inp.pool.stats();
  return {
    generated_at: new Date(now * 1000).toISOString(),
    summary: {
      total_cameras: cameras.length,
      online_cameras: cameras.filter(isOnline).length,
      // Streams that should run but whose camera gives no frames (failed, restarting, stalled).
      failed_cameras: cameras.filter((c) => isWanted(c) && c.camera_error && !c.camera_online)
        .length,
      inference_running: cameras.filter((c) => c.inference_running).length,
      alerts_last_hour: alertsHour,
      average_interval: round(avg(intervals)),
      average_fps: round(avg(cameras.map((c) => c.actual_fps ?? 0).filter((f) => f > 0))),
      target_average_fps: round(avg(intervals.map((i) => 1 / i))),
      total_groups: groups.length,
      running_groups: groups.filter((g) => g.running > 0).length,
      page_jobs: cameras.filter((c) => c.cam_id.startsWith("page_")).length,
      page_jobs_running:
        cameras.filter((c) => c.cam_id.startsWith("page_") && c.inference_running).length,
      total_roi: cameras.reduce((n, c) => n + c.roi_count, 0),
      average_latency: round(avg(durations)),
      latency_p95: round(interpolatedPercentile(durations, 95)),
      latency_max: round(durations.length ? Math.max(...durations) : 0),
      latency_samples: durations.length,
      inference_queue_size: pool.queued,
      inference_queue_capacity: pool.workers,
      inference_queue_utilization: pool.workers ? round(pool.busy / pool.workers) : 0,
    },
    cameras,
    alerts: recent.slice(-20).reverse().map(alertRow),
    groups,
    page_jobs: cameras.filter((c) => c.cam_id.startsWith("page_")).map((c) => ({
      ...c,
      title: c.source || c.cam_id,
    })).sort((a, b) =>
      Number(b.inference_running) - Number(a.inference_running) ||
      a.cam_id.localeCompare(b.cam_id)
    ),
    roi_metrics: {
      total_roi: cameras.reduce((n, c) => n + c.roi_count, 0),
      unique_modules: modules.length,
      sources_with_roi: new Set(cameras.filter((c) => c.roi_count > 0).map((c) => c.source)).size,
      module_details: modules,
      module_performance: modulePerformance(modules, recent),
      source_details: sourceDetails(cameras, framesOf),
      source_runs: sourceRuns(cameras, framesOf),
    },
    pool,
  };
}

function cameraRow(inp: DashboardInputs, camId: string, results: FrameResult[]) {
  const status = inp.jobs.status(camId);
  const entry = inp.sessions.entry(camId);
  const job = status.job;
  const config = inp.jobs.config(camId);
  const cameraId = config?.cameraId ?? inp.sessions.cameraOf(camId);
  const view = cameraId ? inp.cameras.view(cameraId) : undefined;
  const interval = job?.interval ?? entry?.interval ?? 1;
  const fps = actualFps(results.map((r) => r.result_time));
  const last = results[results.length - 1];
  return {
    cam_id: camId,
    source: status.source,
    name: status.source,
    backend: entry?.backend ?? "opencv",
    group: job?.group ?? entry?.inference_group ?? null,
    interval,
    fps: fps ?? (interval > 0 ? round(1 / interval) : null),
    target_fps: interval > 0 ? round(1 / interval) : null,
    actual_fps: fps,
    status: status.running
      ? "inference"
      : inp.sessions.previewRunning(camId)
      ? "roi_stream"
      : "stopped",
    // The job's state in words (`waiting_for_camera: <reason>`, `no_rois`, …); null: no job.
    job_state: status.running || status.state !== "stopped: not started" ? status.state : null,
    ...cameraHealth(cameraId, view),
    camera_fps: view?.fps ?? 0,
    last_output: job?.active_group ?? "",
    last_activity: job?.last_result_time
      ? new Date(job.last_result_time * 1000).toISOString()
      : null,
    alerts_count: results.length,
    roi_count: config?.rois.filter((r) => r.type === "roi" && r.module).length ?? 0,
    modules: [...new Set(config?.rois.map((r) => r.module ?? "").filter(Boolean) ?? [])],
    inference_running: status.running,
    roi_running: inp.sessions.previewRunning(camId),
    ticks_skipped: job?.ticks_skipped ?? 0,
    resolution: { width: view?.width ?? null, height: view?.height ?? null },
    snapshot_url: status.running
      ? `/ws_snapshot/${encodeURIComponent(camId)}?ts=${Math.floor(Date.now() / 1000)}`
      : null,
    latest: last ?? null,
  };
}

type CameraRow = ReturnType<typeof cameraRow>;

/** A job or preview should run on it. */
function isWanted(c: CameraRow): boolean {
  return c.inference_running || c.roi_running;
}

/** Online: it should run and its camera gives frames (a failed camera is not online). */
function isOnline(c: CameraRow): boolean {
  return isWanted(c) && c.camera_online;
}

function groupRows(cameras: ReturnType<typeof cameraRow>[]) {
  const groups = groupBy(cameras, (c) => c.group || "(no group)");
  return [...groups.entries()].map(([name, cams]) => ({
    name,
    cameras: cams.length,
    running: cams.filter((c) => c.inference_running).length,
    online: cams.filter(isOnline).length,
    roi: cams.reduce((n, c) => n + c.roi_count, 0),
    alerts: cams.reduce((n, c) => n + c.alerts_count, 0),
    average_fps: round(avg(cams.map((c) => c.actual_fps ?? 0))),
  })).sort((a, b) => b.running - a.running || b.cameras - a.cameras);
}

/** The ROI types (`roi`, `page`, …) that name `module` in the running jobs' ROI sets. */
function roiTypesOf(inp: DashboardInputs, camIds: string[], module: string): string[] {
  const types = new Set<string>();
  for (const camId of camIds) {
    for (const r of inp.jobs.config(camId)?.rois ?? []) {
      if (r.module === module) types.add(r.type ?? "roi");
    }
  }
  return [...types].sort();
}

function groupBy<T>(xs: readonly T[], key: (x: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const x of xs) {
    const k = key(x);
    const list = m.get(k) ?? [];
    list.push(x);
    m.set(k, list);
  }
  return m;
}
