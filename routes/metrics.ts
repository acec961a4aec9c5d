/** `GET /metrics`: Prometheus text exposition, camera/job/pool gauges read at scrape time. */
import { Hono } from "hono";
import type { AppContext } from "./context.ts";
import {
  type JobCounters,
  type Metrics,
  metrics as processMetrics,
} from "../actors/results/metrics.ts";

/** What the scrape reads; every part but `cameras` is optional so a partial system still scrapes. */
export type MetricsContext =
  & Pick<AppContext, "cameras">
  & Partial<Pick<AppContext, "jobs" | "pool" | "bus" | "batch">>;

/** The `/metrics` sub-app over `ctx`, reporting into `registry` (the process's by default). */
export function metricsRoutes(ctx: MetricsContext, registry: Metrics = processMetrics): Hono {
  const app = new Hono();
  app.get("/metrics", async (c) => {
    const text = await registry.scrape({
      cameras: ctx.cameras.views(),
      jobs: ctx.jobs && runningJobs(ctx.jobs),
      pool: ctx.pool?.stats(),
      results: ctx.bus?.stats(),
      batch: ctx.batch?.stats(),
    });
    return c.body(text, 200, { "content-type": registry.contentType, "cache-control": "no-store" });
  });
  return app;
}

/** Counters of every job whose snapshot says it is running. */
function runningJobs(jobs: NonNullable<MetricsContext["jobs"]>): JobCounters[] {
  const out: JobCounters[] = [];
  for (const camId of jobs.camIds()) {
    if (!jobs.status(camId).running) continue;
    const snap = jobs.snapshot(camId);
    out.push({
      camId,
      framesProcessed: snap?.frames_processed ?? 0,
      ticksSkipped: snap?.ticks_skipped ?? 0,
      framesSkipped: snap?.frames_skipped ?? 0,
      readsCached: snap?.reads_cached ?? 0,
    });
  }
  return out;
}
