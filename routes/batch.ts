/**
 * Batch tasks: `POST /api/batch` streams an upload to disk, checks it with ffprobe and answers
 * 201 at once; list, status, cancel, delete, results (CSV/JSON) and counters. With access control
 * on, a user token sees only the tasks it created; the admin token sees all.
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { z } from "zod";
import type { AppContext } from "./context.ts";
import { HttpError } from "./errors.ts";
import { type Identity, identityOf, policyOf } from "./auth.ts";
import { tableResponse } from "./table_download.ts";
import { BATCH_STATUSES, type BatchTask } from "../storage/batch_db.ts";
import { taskView } from "./batch_view.ts";
import { createTask } from "./batch_create.ts";

/** Query of `GET /api/batch`. */
export const batchListQuery = z.object({
  status: z.enum(BATCH_STATUSES as [string, ...string[]]).optional()
    .describe("only tasks with this status"),
});

/** Query of `GET /api/batch/{id}/results`. */
export const batchResultsQuery = z.object({
  format: z.enum(["csv", "json"]).default("json").describe("csv or json [json]"),
});

/** The columns of a batch result download, in order. */
export const BATCH_RESULT_COLUMNS = [
  "task_id",
  "frame_index",
  "frame_time",
  "roi_id",
  "name",
  "module",
  "text",
  "value",
  "confidence",
  "duration",
  "error",
] as const;

/** The batch sub-app. */
export function batchRoutes(ctx: AppContext): Hono {
  const app = new Hono();
  const policy = policyOf(ctx);
  const who = (c: Context): Identity => {
    const id = identityOf(c, policy);
    if (!id) throw new HttpError(401, "authentication required");
    return id;
  };
  const visible = (c: Context): BatchTask => {
    const task = ctx.batch.db.task(c.req.param("id") ?? "");
    const me = who(c);
    if (!task || (!me.admin && task.owner !== me.owner)) {
      throw new HttpError(404, `no batch task ${JSON.stringify(c.req.param("id"))}`);
    }
    return task;
  };

  app.post("/api/batch", async (c) => {
    const task = await createTask(ctx, c.req.raw, who(c));
    return c.json({ task_id: task.id, status: task.status }, 201);
  });
  app.get("/api/batch", (c) => {
    const q = batchListQuery.parse({ status: c.req.query("status") });
    const me = who(c);
    const tasks = ctx.batch.db.tasks({
      status: q.status as BatchTask["status"] | undefined,
      owner: me.admin ? undefined : me.owner,
    });
    return c.json({ tasks: tasks.map(taskView) });
  });
  app.get("/api/batch/stats", (c) => c.json(ctx.batch.stats()));
  app.get("/api/batch/:id", (c) => {
    const task = visible(c);
    const node = ctx.batch.nodeOf(task.id); // cluster mode only
    return c.json(node === undefined ? taskView(task) : { ...taskView(task), node });
  });
  app.post("/api/batch/:id/cancel", async (c) => {
    const task = visible(c);
    const answer = await ctx.batch.cancel(task.id);
    if (!answer) throw new HttpError(404, `no batch task ${JSON.stringify(task.id)}`);
    if (!answer.changed) {
      throw new HttpError(409, `batch task ${task.id} is already ${answer.task.status}`);
    }
    return c.json(taskView(answer.task));
  });
  app.delete("/api/batch/:id", async (c) => {
    const task = visible(c);
    await ctx.batch.delete(task.id);
    return c.json({ status: "deleted", task_id: task.id });
  });
  app.get("/api/batch/:id/results", (c) => {
    const task = visible(c);
    const q = batchResultsQuery.parse({ format: c.req.query("format") });
    return tableResponse(ctx.batch.db.results(task.id), {
      format: q.format,
      columns: [...BATCH_RESULT_COLUMNS],
      filename: `batch-${task.id}`,
      head: { task_id: task.id, status: task.status },
    });
  });
  return app;
}
