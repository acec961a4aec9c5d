/**
 * `GET /api/results`: the live results history (every ROI reading of running jobs), filtered by
 * source, ROI and time, as CSV or JSON. Rows older than the retention are pruned by the system.
 */
import { Hono } from "hono";
import { z } from "zod";
import type { AppContext } from "./context.ts";
import { tableResponse } from "./table_download.ts";

/** A time bound: seconds since the epoch, or an ISO 8601 date/time. */
const timeBound = z.string().optional().transform((v, ctx) => {
  if (v === undefined || v === "") return undefined;
  const n = /^\d+(\.\d+)?$/.test(v) ? Number(v) : Date.parse(v) / 1000;
  if (!Number.isFinite(n)) {
    ctx.addIssue({ code: "custom", message: "expected epoch seconds or an ISO 8601 time" });
    return z.NEVER;
  }
  return n;
});

/** Query of `GET /api/results`. */
export const resultsQuery = z.object({
  source: z.string().optional().describe("only this source"),
  roi: z.string().optional().describe("only this ROI id; repeat `roi=` for several"),
  from: timeBound.describe("from this time (epoch seconds or ISO 8601)"),
  to: timeBound.describe("up to this time (epoch seconds or ISO 8601)"),
  format: z.enum(["csv", "json"]).default("json").describe("csv or json [json]"),
  limit: z.coerce.number().int().min(1).max(1_000_000).default(100_000)
    .describe("most rows [100000]"),
  max_id: z.coerce.number().int().min(0).optional()
    .describe("only rows stored up to this id (an earlier answer's `max_id`): the same rows again"),
  order: z.enum(["asc", "desc"]).default("asc")
    .describe("asc: oldest first; desc: newest first, so the limit keeps the newest [asc]"),
});

/** Columns of a results download, in order. */
export const LIVE_RESULT_COLUMNS = [
  "time",
  "iso_time",
  "cam_id",
  "source",
  "roi_id",
  "name",
  "module",
  "text",
  "value",
  "duration",
  "status",
  "reason",
] as const;

/** The results history sub-app. */
export function resultsRoutes(ctx: AppContext): Hono {
  const app = new Hono();
  app.get("/api/results", (c) => {
    const q = resultsQuery.parse(c.req.query());
    // `roi=a&roi=b`: rows of any of them (the history page's ROI picker).
    const rois = (c.req.queries("roi") ?? []).filter((r) => r !== "");
    const roi = rois.length > 1 ? rois : rois[0];
    // Rows stored after this answer have larger ids: repeating the query with `max_id` (the
    // history page's downloads) gives exactly these rows even while jobs keep writing.
    const maxId = q.max_id ?? ctx.batch.db.liveMaxId();
    const rows = ctx.batch.db.liveRows({ ...q, roi, maxId }).map((r) => ({
      ...r,
      iso_time: new Date(r.time * 1000).toISOString(),
    }));
    return tableResponse(rows.values(), {
      format: q.format,
      columns: [...LIVE_RESULT_COLUMNS],
      filename: "results",
      head: { count: rows.length, max_id: maxId },
    });
  });
  return app;
}
