/**
 * The description of every route the app serves, in docs-page order. Request schemas are the
 * ones the routes validate with, imported from the route and storage modules. A new route needs
 * an entry here or in api_routes_storage.ts (the OpenAPI test fails otherwise). Nothing is
 * excluded: static files, when they come, get one `GET /static/{path}` entry.
 */
import { z } from "zod";
import {
  describeRoutes,
  diskFull,
  errorSchema,
  notFound,
  objectAnswer,
  refusedOr400,
  type RouteDoc,
  statusAnswer,
} from "./api_spec.ts";
import { mqttDocs, roiDocs, sourceDocs } from "./api_routes_storage.ts";
import { camSettingsSchema } from "./streams.ts";
import { startInferenceSchema } from "./inference.ts";
import { readJsonBodySchema } from "./read.ts";
import { loginBodySchema } from "./login.ts";
import { uiDocs } from "./api_routes_ui.ts";
import { batchDocs } from "./api_routes_batch.ts";
import { webhookDocs } from "./api_routes_webhooks.ts";
import { clusterAnswerSchema } from "./cluster.ts";

const CAM_ID = "the stream's id (letters with their marks, digits and _.:@-, up to 100)";

/** The camera fields of `/inference_status` and the dashboard's camera rows. */
const cameraHealthFields = {
  camera_id: z.string().nullable().describe("the camera the cam_id uses (`cap_…`); null: none"),
  camera_status: z.string().describe("starting, live, stalled, restarting, failed or stopped"),
  camera_error: z.string().nullable().describe("why the camera last failed; null: never"),
  camera_online: z.boolean().describe("frames arrive (the camera is live)"),
  camera_last_frame: z.number().nullable().describe(
    "when the camera's newest frame arrived, epoch seconds (a stalled camera: since when); null: none",
  ),
};

const num = z.number();
const nnum = z.number().nullable();
const nstr = z.string().nullable();
const sampleFields = (p: string) =>
  Object.fromEntries(
    [["duration", nnum], ["timestamp", nstr], ["roi_id", nstr], ["roi_name", nstr], [
      "cam_id",
      nstr,
    ], ["source", nstr]].map(([k, t]) => [`${p}_${k}`, t as z.ZodType]),
  );

/** A dashboard alert: one frame result with VisionROI's time and count fields. */
const alertSchema = z.object({
  cam_id: z.string(),
  source: z.string(),
  group: z.string(),
  results: z.array(objectAnswer),
  count: z.number().int().describe("results in the frame"),
  timestamp: z.string().describe("result time, UTC ISO (VisionROI: local naive ISO)"),
  timestamp_epoch: num.describe("result time, epoch seconds"),
  frame_time: num,
  result_time: num,
}).loose();

/** One module of `roi_metrics.module_details`. */
const moduleDetailSchema = z.object({
  name: z.string(),
  roi_count: z.number().int(),
  source_count: z.number().int(),
  sources: z.array(z.string()),
  types: z.array(z.string()).describe("ROI types that use the module in running jobs"),
  average_duration: num,
  min_duration: num,
  max_duration: num,
  sample_count: z.number().int(),
  ...sampleFields("latest"),
  ...sampleFields("fastest"),
  ...sampleFields("slowest"),
}).loose();

const roiPick = z.object({ id: z.string(), name: z.string(), module: z.string(), duration: num })
  .nullable();

/** VisionROI's `roi_metrics` (§2.8). */
const roiMetricsSchema = z.object({
  total_roi: z.number().int(),
  unique_modules: z.number().int(),
  sources_with_roi: z.number().int(),
  module_details: z.array(moduleDetailSchema),
  module_performance: z.object({
    fastest: moduleDetailSchema.nullable().describe("the module with the lowest average"),
    slowest: moduleDetailSchema.nullable().describe("the module with the highest average"),
    latest_frame: z.object({
      cam_id: z.string(),
      source: z.string(),
      timestamp: z.string(),
      timestamp_epoch: num,
      frame_duration: num,
      roi_count: z.number().int(),
    }).loose().nullable(),
  }),
  source_details: z.array(
    z.object({
      cam_id: z.string(),
      display_name: z.string(),
      group: nstr,
      roi_count: z.number().int(),
      modules: z.array(z.string()),
      interval: num,
      source: z.string(),
      inference_running: z.boolean(),
      average_duration: nnum,
      max_duration: nnum,
      min_duration: nnum,
      latest_duration: nnum,
      latest_completed_at: nstr,
      samples: z.number().int(),
      meets_interval: z.boolean().nullable(),
      interval_gap: nnum,
      latest_interval_ratio: nnum,
    }),
  ).describe("per stream, by ROI count then cam_id; durations are frame durations in seconds"),
  source_runs: z.array(
    z.object({
      cam_id: z.string(),
      display_name: z.string(),
      group: nstr,
      source: z.string(),
      timestamp: z.string(),
      timestamp_epoch: num,
      roi_count: z.number().int(),
      modules: z.array(z.string()),
      frame_duration: num,
      total_duration: num,
      fastest: roiPick,
      slowest: roiPick,
      interval: num,
      latency_latest: num,
      latency_average: num,
      latency_min: num,
      latency_max: num,
      latency_samples: z.number().int(),
      fps: nnum,
      actual_fps: nnum,
      target_fps: nnum,
    }),
  ).describe("the latest frame per stream, newest first"),
}).loose();

/** A preview's lease. */
const leaseSchema = z.object({
  cam_id: z.string(),
  holders: z.number().int().describe("open video sockets holding it"),
  expires_at: z.number().nullable().describe(
    "when it stops without a heartbeat, epoch seconds; null while a socket holds it (or the " +
      "preview is not leased)",
  ),
});

/** VisionROI's job status with `state` (`/api/jobs` rows). */
const jobStatusSchema = z.object({
  running: z.boolean(),
  cam_id: z.string(),
  source: z.string(),
  group: z.string(),
  stream_health: objectAnswer.describe("VisionROI's stream_health: state, updated_at, …"),
  state: z.string().describe(
    "running, waiting_for_camera: <reason>, no_rois, failed: <reason> or stopped: <reason>",
  ),
  job: objectAnswer.nullable(),
  supervision: objectAnswer.nullable(),
}).loose();

const opsDocs: RouteDoc[] = [
  {
    method: "get",
    path: "/_healthz",
    tag: "ops",
    open: true,
    summary: "Liveness: answers ok",
    responses: { 200: { description: "ok", contentType: "text/plain" } },
  },
  {
    method: "post",
    path: "/_quit",
    tag: "ops",
    summary: "Graceful shutdown: actors stop newest first, no ffmpeg child is left, exit 0",
    responses: { 202: { description: "shutting down", contentType: "text/plain" } },
  },
  {
    method: "get",
    path: "/api/cluster",
    tag: "ops",
    summary: "Cluster mode: nodes, their load and what each owns; {mode: single} without --nats",
    responses: { 200: { description: "the cluster", schema: clusterAnswerSchema } },
  },
  {
    method: "get",
    path: "/metrics",
    tag: "ops",
    summary: "Prometheus metrics (text exposition format)",
    responses: { 200: { description: "metrics", contentType: "text/plain" } },
  },
  {
    method: "get",
    path: "/openapi.json",
    tag: "ops",
    summary: "This document (OpenAPI 3.1)",
    responses: { 200: { description: "the document", schema: objectAnswer } },
  },
  {
    method: "get",
    path: "/api/docs",
    tag: "ops",
    summary: "The API documentation as a page",
    responses: { 200: { description: "HTML page", contentType: "text/html" } },
  },
];

const accessDocs: RouteDoc[] = [
  {
    method: "get",
    path: "/login",
    tag: "access",
    open: true,
    summary: "Login form (off loopback); redirects to `next` when no login is needed",
    query: z.object({ next: loginBodySchema.shape.next }),
    responses: {
      200: { description: "the form", contentType: "text/html" },
      302: { description: "no login needed: redirect to next" },
    },
  },
  {
    method: "post",
    path: "/login",
    tag: "access",
    open: true,
    summary: "Check the token and set the HttpOnly, SameSite=Strict login cookie",
    body: {
      schema: loginBodySchema,
      contentType: ["application/x-www-form-urlencoded", "application/json"],
    },
    responses: {
      200: { description: "JSON body: logged in (cookie set)", schema: statusAnswer },
      303: { description: "form body: logged in, redirect to next" },
      401: {
        description: "wrong token (JSON body: the error answer; form body: the form again)",
        schema: errorSchema,
        also: [{ contentType: "text/html" }],
      },
      413: { description: "body larger than 16 KiB", schema: errorSchema },
      429: {
        description: "too many wrong guesses from this address; try again after Retry-After",
        schema: errorSchema,
        headers: { "Retry-After": "seconds to wait" },
      },
    },
  },
  {
    method: "post",
    path: "/logout",
    tag: "access",
    open: true,
    summary: "Clear the login cookie",
    responses: {
      200: { description: "Accept: application/json", schema: statusAnswer },
      303: { description: "redirect to /login" },
    },
  },
];

const cameraDocs: RouteDoc[] = [
  {
    method: "post",
    path: "/start_roi_stream/{cam_id}",
    tag: "cameras",
    params: { cam_id: CAM_ID },
    summary: "Start (or reconfigure) a preview stream",
    body: { schema: camSettingsSchema, required: false },
    responses: {
      200: { description: "started or already_running", schema: statusAnswer },
      400: refusedOr400("inference_running", "an inference job runs on this cam_id"),
    },
  },
  {
    method: "post",
    path: "/stop_roi_stream/{cam_id}",
    tag: "cameras",
    params: { cam_id: CAM_ID },
    summary: "Stop a preview stream",
    responses: { 200: { description: "stopped or no_task", schema: statusAnswer } },
  },
  {
    method: "post",
    path: "/roi_stream_heartbeat/{cam_id}",
    tag: "cameras",
    params: { cam_id: CAM_ID },
    summary:
      "Keep a roi_* preview stream alive: without a heartbeat or an open video socket it stops after the lease time (60 s)",
    responses: {
      200: {
        description: "held: the lease renewed",
        schema: z.object({ status: z.literal("held"), ...leaseSchema.shape }),
      },
      404: {
        description: "no_task: no preview stream runs for the cam_id",
        schema: z.object({ status: z.literal("no_task"), cam_id: z.string() }),
      },
    },
  },
  {
    method: "get",
    path: "/roi_stream_status/{cam_id}",
    tag: "cameras",
    params: { cam_id: CAM_ID },
    summary: "Whether a preview stream runs, with its lease and camera",
    responses: {
      200: {
        description: "running, cam_id, source, lease, camera",
        schema: z.object({
          running: z.boolean(),
          cam_id: z.string(),
          source: z.string(),
          lease: leaseSchema.nullable().describe("null unless a preview runs"),
          camera: objectAnswer.optional().describe("the camera the cam_id uses, if any"),
        }).loose(),
      },
    },
  },
  {
    method: "get",
    path: "/ws_snapshot/{cam_id}",
    tag: "cameras",
    params: { cam_id: CAM_ID },
    summary: "The newest frame as JPEG (wakes a saved source on demand)",
    responses: {
      200: { description: "JPEG", contentType: "image/jpeg" },
      400: {
        description: "Camera not initialized (no source for this cam_id)",
        contentType: "text/plain",
      },
      503: {
        description: "`Camera not ready` or `Camera timeout` (VisionROI's exact text)",
        contentType: "text/plain",
        headers: { "x-camera-error": "why the camera gives no frame, when it knows" },
      },
    },
  },
  {
    method: "get",
    path: "/api/cameras",
    tag: "cameras",
    summary: "Every camera: status, fps, counters, last error",
    responses: { 200: { description: "cameras", schema: z.array(objectAnswer) } },
  },
  {
    method: "get",
    path: "/api/cameras/{id}",
    tag: "cameras",
    params: { id: "camera id (source name, or cam:<cam_id>)" },
    summary: "One camera",
    responses: { 200: { description: "camera", schema: objectAnswer }, 404: notFound() },
  },
];

const jobDocs: RouteDoc[] = [
  {
    method: "post",
    path: "/start_inference/{cam_id}",
    tag: "jobs",
    params: { cam_id: CAM_ID },
    summary: "Start (or reconfigure) an inference job",
    body: {
      schema: z.object({ ...camSettingsSchema.shape, ...startInferenceSchema.shape }),
      required: false,
    },
    responses: {
      200: { description: "started or already_running", schema: statusAnswer },
      400: refusedOr400(
        "roi_running",
        "an ROI preview runs on this cam_id; or `open_failed: <reason>` (as `message`) when " +
          "the source cannot be opened",
      ),
    },
  },
  {
    method: "post",
    path: "/stop_inference/{cam_id}",
    tag: "jobs",
    params: { cam_id: CAM_ID },
    summary: "Stop an inference job",
    responses: {
      200: { description: "stopped or no_task", schema: statusAnswer },
      507: diskFull(),
    },
  },
  {
    method: "get",
    path: "/inference_status/{cam_id}",
    tag: "jobs",
    params: { cam_id: CAM_ID },
    summary: "A job's status with stream health and `state`: running, " +
      "waiting_for_camera: <reason>, no_rois, failed: <reason> or stopped: <reason>",
    responses: {
      200: {
        description:
          "VisionROI's status, plus the camera's camera_id, camera_status, camera_error, camera_online",
        schema: jobStatusSchema.extend(cameraHealthFields),
      },
    },
  },
  {
    method: "get",
    path: "/api/jobs",
    tag: "jobs",
    summary: "Every job's status",
    responses: { 200: { description: "statuses", schema: z.array(jobStatusSchema) } },
  },
  {
    method: "get",
    path: "/api/dashboard",
    tag: "jobs",
    summary: "Dashboard data: cameras online, running jobs, groups, module counts and latency",
    responses: {
      200: {
        description:
          "dashboard; a stream whose camera is not live is not online (summary.failed_cameras; rows carry camera_status, camera_error, camera_online)",
        schema: z.object({
          generated_at: z.string(),
          summary: z.object({
            total_cameras: z.number().int(),
            online_cameras: z.number().int().describe("should run and the camera is live"),
            failed_cameras: z.number().int().describe(
              "should run, but the camera failed and gives no frames",
            ),
            inference_running: z.number().int(),
          }).loose(),
          cameras: z.array(
            z.object({
              cam_id: z.string(),
              status: z.string(),
              job_state: z.string().nullable().describe(
                "the job's state word (waiting_for_camera: <reason>, no_rois, …); null: no job",
              ),
              ...cameraHealthFields,
            }).loose(),
          ),
          alerts: z.array(alertSchema).describe("the last 20 frame results, newest first"),
          page_jobs: z.array(
            z.object({
              cam_id: z.string(),
              title: z.string().describe("the source name, else the cam_id"),
              inference_running: z.boolean(),
            }).loose(),
          ).describe("page_* jobs, running first, then by cam_id"),
          roi_metrics: roiMetricsSchema,
        }).loose(),
      },
    },
  },
  {
    method: "post",
    path: "/api/read",
    tag: "jobs",
    summary: "Read the ROIs of one uploaded image (multipart image + rois, or JSON base64)",
    body: { schema: readJsonBodySchema, contentType: ["application/json", "multipart/form-data"] },
    responses: {
      200: { description: "results in ROI order", schema: objectAnswer },
      413: { description: "body larger than 20 MiB", schema: errorSchema },
      415: { description: "unsupported content-type", schema: errorSchema },
      422: {
        description: "undecodable image or invalid ROI (`field` names it)",
        schema: errorSchema,
      },
    },
  },
];

const wsDocs: RouteDoc[] = ([
  [
    "/ws_roi_result/{cam_id}",
    "Live results: one JSON message per frame (and page-detection messages); entries of ROIs " +
    "with plausibility rules carry status (accepted/rejected), reason and value",
  ],
  ["/ws_roi/{cam_id}", "Raw frames as binary JPEG messages"],
  ["/ws/{cam_id}", "Half-size JPEG preview with ROI and page overlays"],
] as const).map(([path, summary]) => ({
  method: "get",
  path,
  tag: "websockets",
  websocket: true,
  params: { cam_id: CAM_ID },
  summary,
  description: "WebSocket. A foreign Origin is refused (403); a stop closes with code 1000. " +
    "A client that reads nothing holds at most --ws-buffer bytes (older messages dropped, " +
    "counted) and is closed with 1008 after --ws-stall-timeout seconds.",
  responses: {
    101: { description: "switching protocols" },
    404: { description: "not a WebSocket handshake (no Upgrade header)", schema: errorSchema },
  },
}));

/** Every route of the app. */
export const apiRoutes: readonly RouteDoc[] = describeRoutes([
  ...uiDocs,
  ...sourceDocs,
  ...cameraDocs,
  ...jobDocs,
  ...roiDocs,
  ...batchDocs,
  ...mqttDocs,
  ...webhookDocs,
  ...wsDocs,
  ...accessDocs,
  ...opsDocs,
]);
