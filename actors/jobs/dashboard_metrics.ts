/**
 * The parts of VisionROI's `/api/dashboard` that its Home page draws from recent results (§2.8):
 * alert rows with their times and counts, per-module fastest/slowest samples and ROI types,
 * `module_performance`, `source_details` (duration against interval) and `source_runs` (the
 * latest frame per source). Times are UTC ISO (VisionROI: local naive ISO) or epoch seconds.
 */
import type { FrameResult, RoiResultEntry } from "./result_bus.ts";

const avg = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;
/** UTC ISO of an epoch-seconds time. */
const iso = (t: number) => new Date(t * 1000).toISOString();

/** What these metrics need of a dashboard camera row. */
export interface CamRowInput {
  cam_id: string;
  source: string;
  group: string | null;
  interval: number;
  roi_count: number;
  modules: string[];
  inference_running: boolean;
  fps: number | null;
  actual_fps: number | null;
  target_fps: number | null;
}

/** One notification as VisionROI's alert rows carry it: the frame plus its time and ROI count. */
export function alertRow(r: FrameResult) {
  return {
    ...r,
    count: r.results.length,
    timestamp: iso(r.result_time),
    timestamp_epoch: r.result_time,
  };
}

/** The results that carry a duration (a finite number). */
function timed(es: readonly RoiResultEntry[]): RoiResultEntry[] {
  return es.filter((e) => typeof e.duration === "number" && Number.isFinite(e.duration));
}

type SampleField = "duration" | "timestamp" | "roi_id" | "roi_name" | "cam_id" | "source";

/** `{duration, timestamp, roi_id, roi_name, cam_id, source}` of one result under `prefix`. */
function sample<P extends string>(
  prefix: P,
  e: RoiResultEntry | undefined,
): Record<`${P}_${SampleField}`, string | number | null> {
  return {
    [`${prefix}_duration`]: e ? round(e.duration) : null,
    [`${prefix}_timestamp`]: e ? iso(e.result_time) : null,
    [`${prefix}_roi_id`]: e?.id ?? null,
    [`${prefix}_roi_name`]: e ? e.name || e.id : null,
    [`${prefix}_cam_id`]: e?.cam_id ?? null,
    [`${prefix}_source`]: e?.source ?? null,
  } as Record<`${P}_${SampleField}`, string | number | null>;
}

/** The quickest and slowest of `es` (by duration). */
function extremes(es: readonly RoiResultEntry[]) {
  const t = timed(es);
  let fast: RoiResultEntry | undefined;
  let slow: RoiResultEntry | undefined;
  for (const e of t) {
    if (!fast || e.duration < fast.duration) fast = e;
    if (!slow || e.duration > slow.duration) slow = e;
  }
  return { fast, slow };
}

/**
 * VisionROI's `module_details[]`: per module the ROIs and sources that used it, the ROI types it
 * reads, duration statistics and the latest, fastest and slowest sample.
 */
export function moduleDetails(
  recent: readonly FrameResult[],
  typesOf: (module: string) => string[],
) {
  const byModule = new Map<string, RoiResultEntry[]>();
  for (const r of recent) {
    for (const e of r.results) byModule.set(e.module, [...(byModule.get(e.module) ?? []), e]);
  }
  return [...byModule.entries()].map(([name, es]) => {
    const d = timed(es).map((e) => e.duration);
    const { fast, slow } = extremes(es);
    const sources = [...new Set(es.map((e) => e.source))];
    return {
      name,
      roi_count: new Set(es.map((e) => `${e.cam_id}/${e.id}`)).size,
      source_count: sources.length,
      sources,
      types: typesOf(name),
      average_duration: round(avg(d)),
      min_duration: d.length ? round(Math.min(...d)) : 0,
      max_duration: d.length ? round(Math.max(...d)) : 0,
      sample_count: d.length,
      errors: es.filter((e) => e.error).length,
      ...sample("latest", es[es.length - 1]),
      ...sample("fastest", fast),
      ...sample("slowest", slow),
    };
  }).sort((a, b) => b.roi_count - a.roi_count || a.name.localeCompare(b.name));
}

/** VisionROI's `module_performance`: the fastest and slowest module on average, and the newest frame. */
export function modulePerformance(
  modules: ReturnType<typeof moduleDetails>,
  recent: readonly FrameResult[],
) {
  const timedModules = modules.filter((m) => m.sample_count > 0);
  const by = (pick: (a: number, b: number) => boolean) =>
    timedModules.reduce<(typeof modules)[number] | null>(
      (best, m) => (!best || pick(m.average_duration, best.average_duration) ? m : best),
      null,
    );
  const last = recent[recent.length - 1];
  return {
    fastest: by((a, b) => a < b),
    slowest: by((a, b) => a > b),
    latest_frame: last
      ? {
        cam_id: last.cam_id,
        source: last.source,
        group: last.group,
        timestamp: iso(last.result_time),
        timestamp_epoch: last.result_time,
        frame_duration: round(last.frame_duration),
        roi_count: last.results.length,
      }
      : null,
  };
}

/** Duration statistics of a cam_id's recent frames against its interval. */
function frameStats(frames: readonly FrameResult[], interval: number) {
  const d = frames.map((f) => f.frame_duration).filter((x) => Number.isFinite(x));
  const latest = d.length ? d[d.length - 1] : null;
  return {
    average_duration: d.length ? round(avg(d)) : null,
    max_duration: d.length ? round(Math.max(...d)) : null,
    min_duration: d.length ? round(Math.min(...d)) : null,
    latest_duration: latest === null ? null : round(latest),
    samples: d.length,
    meets_interval: latest === null ? null : latest <= interval,
    interval_gap: latest === null ? null : round(interval - latest),
    latest_interval_ratio: latest === null || interval <= 0 ? null : round(latest / interval),
  };
}

/** VisionROI's `source_details[]`: per stream its ROIs, modules and frame durations vs interval. */
export function sourceDetails(
  rows: readonly CamRowInput[],
  framesOf: (camId: string) => readonly FrameResult[],
) {
  return rows.map((c) => {
    const frames = framesOf(c.cam_id);
    const last = frames[frames.length - 1];
    return {
      cam_id: c.cam_id,
      display_name: c.source || c.cam_id,
      group: c.group,
      roi_count: c.roi_count,
      modules: c.modules,
      interval: c.interval,
      source: c.source,
      inference_running: c.inference_running,
      ...frameStats(frames, c.interval),
      latest_completed_at: last ? iso(last.result_time) : null,
    };
  }).sort((a, b) => b.roi_count - a.roi_count || a.cam_id.localeCompare(b.cam_id));
}

/**
 * VisionROI's `source_runs[]`: one per stream with a latest frame, newest first. `roi_count` is
 * the larger of the frame's results and the stream's ROI count; every result counts, with or
 * without a duration.
 */
export function sourceRuns(
  rows: readonly CamRowInput[],
  framesOf: (camId: string) => readonly FrameResult[],
) {
  const runs = [];
  for (const c of rows) {
    const frames = framesOf(c.cam_id);
    const last = frames[frames.length - 1];
    if (!last) continue;
    const { fast, slow } = extremes(last.results);
    const pick = (e: RoiResultEntry | undefined) =>
      e ? { id: e.id, name: e.name || e.id, module: e.module, duration: round(e.duration) } : null;
    const lat = frames.map((f) => f.frame_duration).filter((x) => Number.isFinite(x));
    runs.push({
      cam_id: c.cam_id,
      display_name: c.source || c.cam_id,
      group: last.group || c.group,
      source: last.source || c.source,
      timestamp: iso(last.result_time),
      timestamp_epoch: last.result_time,
      roi_count: Math.max(last.results.filter((e) => e.id !== "").length, c.roi_count),
      modules: [...new Set(last.results.map((e) => e.module).filter(Boolean))],
      frame_duration: round(last.frame_duration),
      total_duration: round(timed(last.results).reduce((n, e) => n + e.duration, 0)),
      fastest: pick(fast),
      slowest: pick(slow),
      interval: c.interval,
      latency_latest: round(last.frame_duration),
      latency_average: round(avg(lat)),
      latency_min: lat.length ? round(Math.min(...lat)) : 0,
      latency_max: lat.length ? round(Math.max(...lat)) : 0,
      latency_samples: lat.length,
      fps: c.fps,
      actual_fps: c.actual_fps,
      target_fps: c.target_fps,
    });
  }
  return runs.sort((a, b) => b.timestamp_epoch - a.timestamp_epoch);
}
