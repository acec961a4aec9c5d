/** Descriptions of the batch and results-history routes (see api_routes.ts). */
import { z } from "zod";
import { diskFull, errorSchema, notFound, type RouteDoc } from "./api_spec.ts";
import { batchListQuery, batchResultsQuery } from "./batch.ts";
import { batchUploadBody } from "./batch_create.ts";
import { batchTaskSchema } from "./batch_view.ts";
import { resultsQuery } from "./results.ts";

const ID = "the task id (from POST /api/batch)";

/** Set on a reading whose module text was cut to 4 KiB. */
const truncated = z.boolean().optional().describe("true when the module's text was cut to 4 KiB");

/** A task; `warning` says what went wrong in a task that still completed (a short video). */
const taskSchema = batchTaskSchema.extend({
  warning: z.string().nullable().optional().describe(
    "e.g. video ended at frame 494 of 1000 (truncated?)",
  ),
  node: z.string().optional().describe(
    'cluster mode (GET /api/batch/{id}): the node that took the task last ("" before any)',
  ),
});

const batchRow = z.object({
  task_id: z.string(),
  frame_index: z.number(),
  frame_time: z.number().nullable(),
  roi_id: z.string(),
  name: z.string(),
  module: z.string(),
  text: z.string(),
  value: z.number().nullable(),
  confidence: z.number().nullable(),
  duration: z.number(),
  error: z.string().nullable(),
  truncated,
});

const liveRow = z.object({
  time: z.number().describe("seconds since the epoch"),
  iso_time: z.string(),
  cam_id: z.string(),
  source: z.string(),
  roi_id: z.string(),
  name: z.string(),
  module: z.string(),
  text: z.string(),
  value: z.number().nullable(),
  duration: z.number(),
  status: z.enum(["accepted", "rejected"]).nullable()
    .describe("plausibility rules: accepted or rejected; null for a ROI without rules"),
  reason: z.string().nullable().describe("why the reading was rejected; null otherwise"),
  truncated,
});

/** `format=json` (the default) answers `head` plus `rows`; `format=csv` a CSV with a header line. */
const jsonOrCsv = (what: string, head: z.ZodRawShape, row: z.ZodType) => ({
  description:
    `${what}: JSON {…, rows: [...]} (format=json, the default) or CSV with a header line`,
  schema: z.object({ ...head, rows: z.array(row) }),
  also: [{ contentType: "text/csv" }],
});

/** Batch task routes and `GET /api/results`. */
export const batchDocs: RouteDoc[] = [
  {
    method: "post",
    path: "/api/batch",
    tag: "batch",
    summary: "Upload a video, images or a zip of images; answers 201 with the task id at once",
    description: "Multipart form. The upload streams to disk under a unique id and is checked " +
      "with ffprobe before the task is queued. `source` (saved ROIs) or `rois` (JSON) is required; " +
      "`every_n_frames` or `fps` choose the frames of a video.",
    body: { schema: batchUploadBody, contentType: "multipart/form-data" },
    responses: {
      201: {
        description: "queued",
        schema: z.object({ task_id: z.string(), status: z.literal("pending") }),
      },
      413: { description: "larger than --max-upload; nothing is kept", schema: errorSchema },
      429: { description: "--max-queued tasks are waiting already", schema: errorSchema },
      507: diskFull(),
    },
  },
  {
    method: "get",
    path: "/api/batch",
    tag: "batch",
    summary: "Tasks newest first (a user token sees its own only)",
    query: batchListQuery,
    responses: {
      200: { description: "the tasks", schema: z.object({ tasks: z.array(taskSchema) }) },
    },
  },
  {
    method: "get",
    path: "/api/batch/stats",
    tag: "batch",
    summary: "Queued, running, done, failed, cancelled; average seconds per frame",
    responses: {
      200: {
        description: "counters",
        schema: z.object({
          queued: z.number(),
          running: z.number(),
          done: z.number(),
          failed: z.number(),
          cancelled: z.number(),
          avg_seconds_per_frame: z.number().nullable(),
          concurrency: z.number(),
        }),
      },
    },
  },
  {
    method: "get",
    path: "/api/batch/{id}",
    tag: "batch",
    summary: "A task's status and progress",
    params: { id: ID },
    responses: { 200: { description: "the task", schema: taskSchema }, 404: notFound() },
  },
  {
    method: "post",
    path: "/api/batch/{id}/cancel",
    tag: "batch",
    summary: "Cancel a pending or processing task (its stored rows stay)",
    params: { id: ID },
    responses: {
      200: { description: "the task, now cancelled", schema: taskSchema },
      404: notFound(),
      409: { description: "the task has finished already", schema: errorSchema },
    },
  },
  {
    method: "delete",
    path: "/api/batch/{id}",
    tag: "batch",
    summary: "Delete a task, its rows and its uploaded files (cancels it first)",
    params: { id: ID },
    responses: {
      200: {
        description: "deleted",
        schema: z.object({ status: z.literal("deleted"), task_id: z.string() }),
      },
      404: notFound(),
    },
  },
  {
    method: "get",
    path: "/api/batch/{id}/results",
    tag: "batch",
    summary: "One row per frame × ROI: frame index and time, ROI, module, text, value, confidence",
    params: { id: ID },
    query: batchResultsQuery,
    responses: {
      200: jsonOrCsv("the rows", { task_id: z.string(), status: z.string() }, batchRow),
      404: notFound(),
    },
  },
  {
    method: "get",
    path: "/api/results",
    tag: "results",
    summary: "Live results history: every reading of running jobs, oldest first",
    query: resultsQuery,
    responses: {
      200: jsonOrCsv("the rows", {
        count: z.number(),
        max_id: z.number().int().describe("pass as `max_id` to get exactly these rows again"),
      }, liveRow),
    },
  },
];
