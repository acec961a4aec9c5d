/** `GET /metrics`: Prometheus text exposition, camera/job/pool gauges read at scrape time. */
import { Hono } from "hono";
import type { AppContext } from "./context.ts";
import {
  type JobCounters,
  type Metrics,
  metrics as processMetrics,
} from "../actors/results/metrics.ts";
import { clusterMetricsText } from "../actors/cluster/cluster_metrics.ts";

/** What the scrape reads; every part but `cameras` is optional so a partial system still scrapes. */
export type MetricsContext =
  & Pick<AppContext, "cameras">
  & Partial<Pick<AppContext, "jobs" | "pool" | "bus" | "batch" | "webhooks" | "cluster">>;

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
      webhooks: ctx.webhooks?.stats(),
    });
    // Cluster mode: every node and job of the cluster, whichever node is scraped.
    const cluster = ctx.cluster &&
      clusterMetricsText(ctx.cluster.view(), ctx.bus?.recent() ?? []);
    return c.body(cluster ? text + cluster : text, 200, {
      "content-type": registry.contentType,
      "cache-control": "no-store",
    });
  });
  return app;
}

/** Counters of every job whose snapshot says it is running. */
function runningJobs(jobs: NonNullable<MetricsContext["jobs"]>): JobCounters[] {
  const out: JobCounters[] = [];
  for (const camId of jobs.camIds()) {
    const status = jobs.status(camId);
    // Jobs other nodes run (cluster mode) are counted there; here they show as cluster metrics.
    if (!status.running || !jobs.config(camId)) continue;
    const snap = jobs.snapshot(camId);
    out.push({
      source: status.source || "(none)",
      framesProcessed: snap?.frames_processed ?? 0,
      ticksSkipped: snap?.ticks_skipped ?? 0,
      framesSkipped: snap?.frames_skipped ?? 0,
      readsCached: snap?.reads_cached ?? 0,
    });
  }
  return out;
}
