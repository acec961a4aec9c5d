/**
 * `GET /api/cluster`: the cluster's nodes (address, capacity, load, what each owns) and the owner
 * of every job; `{mode: "single"}` without `--nats`.
 */
import { Hono } from "hono";
import { z } from "zod";
import type { AppContext } from "./context.ts";

/** The answer's schema (the OpenAPI entry and the conformance test use it). */
export const clusterAnswerSchema = z.object({
  mode: z.enum(["single", "cluster"]).describe("single: no --nats; cluster: NATS JetStream"),
  node_id: z.string().describe("the node that answered"),
  nodes: z.array(z.object({
    id: z.string(),
    url: z.string().describe("its HTTP address"),
    capacity: z.number().describe("ROI reads/s it takes on (--capacity, or measured at start)"),
    calibration: z.object({
      reads_per_s: z.number().describe("ROI reads/s measured"),
      reads: z.number(),
      duration_ms: z.number(),
      fixture: z.string().describe("what it read"),
      capacity: z.number().describe("the capacity taken: 0.8 × reads_per_s"),
    }).nullable().optional().describe(
      "the start-up measurement of capacity; null when --capacity was given",
    ),
    load: z.number().describe("ROI reads/s of the jobs it owns"),
    owns: z.array(z.string()).describe("cam_ids of the jobs it owns"),
    fenced: z.number().describe("results it held back after losing a lease"),
    started: z.number(),
    at: z.number().describe("when it last renewed (ms since the epoch)"),
  })).describe("live nodes (an entry lapses 6 s after its node stops renewing)"),
  jobs: z.record(z.string(), z.string()).describe(
    "cam_id → owning node for every job; empty string: no node owns it now",
  ),
});

/** The cluster route. */
export function clusterRoutes(ctx: AppContext): Hono {
  const app = new Hono();
  app.get("/api/cluster", (c) => {
    if (!ctx.cluster) {
      return c.json({ mode: "single", node_id: ctx.config.nodeId, nodes: [], jobs: {} });
    }
    return c.json(ctx.cluster.view());
  });
  return app;
}
