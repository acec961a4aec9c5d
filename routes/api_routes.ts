/**
 * The description of every route the app serves, in docs-page order. Request schemas are the
 * ones the routes validate with, imported from the route and storage modules. A new route needs
 * an entry here (the OpenAPI test fails otherwise). Excluded on purpose: none (static files,
 * when they come, are documented as one `GET /static/{path}` entry).
 */
import { z } from "zod";
import { describeRoutes, errorSchema, type RouteDoc } from "./api_spec.ts";
import { camSettingsSchema } from "./streams.ts";
import { startInferenceSchema } from "./inference.ts";
import { readJsonBodySchema } from "./read.ts";
import { loginBodySchema } from "./login.ts";
import { STREAM_TYPES } from "../storage/source_store.ts";
import { RoiFileSchema, SaveRoiBodySchema } from "../storage/roi_schema.ts";
import { MAX_LOG_LINES } from "./logs.ts";

/** A VisionROI status answer: `{"status": …}` plus fields that depend on the route. */
const statusAnswer = z.object({ status: z.string() }).loose();
/** Any JSON object (answers whose fields are listed in the README, not typed here). */
const objectAnswer = z.record(z.string(), z.unknown());

/*
 * The source routes validate by hand in storage/source_store.ts (checkSourceString,
 * checkStreamType, checkDimension); these schemas describe those checks for the document.
 */
const createSourceForm = z.object({
  name: z.string().describe("source name: the folder under the data dir"),
  source: z.string().describe("demo, an image or video path, a camera URL or a /dev/video device"),
  width: z.string().optional().describe("scale frames to this width (1..8192)"),
  height: z.string().optional().describe("scale frames to this height (1..8192)"),
  stream_type: z.enum(STREAM_TYPES).optional(),
});
const sourceConfigQuery = z.object({ name: z.string().describe("source name") });

const CAM_ID = "the stream's id (letters, digits and _.:@-, up to 100)";
const NAME = "source name";

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
      401: { description: "wrong token" },
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

const sourceDocs: RouteDoc[] = [
  {
    method: "get",
    path: "/data_sources",
    tag: "sources",
    summary: "Source folder names",
    responses: { 200: { description: "names", schema: z.array(z.string()) } },
  },
  {
    method: "get",
    path: "/source_list",
    tag: "sources",
    summary: "Every source's config with its camera state",
    responses: { 200: { description: "rows", schema: z.array(objectAnswer) } },
  },
  {
    method: "get",
    path: "/source_config",
    tag: "sources",
    summary: "A source's config.json",
    query: sourceConfigQuery,
    responses: { 200: { description: "the config", schema: objectAnswer }, 404: notFound() },
  },
  {
    method: "post",
    path: "/create_source",
    tag: "sources",
    summary: "Create a source folder",
    body: {
      schema: createSourceForm,
      contentType: ["application/x-www-form-urlencoded", "multipart/form-data"],
    },
    responses: { 200: { description: "created", schema: statusAnswer }, 400: badInput() },
  },
  {
    method: "delete",
    path: "/delete_source/{name}",
    tag: "sources",
    params: { name: NAME },
    summary: "Stop the source's cameras and sessions and remove its folder",
    responses: { 200: { description: "deleted", schema: statusAnswer }, 404: notFound() },
  },
  {
    method: "patch",
    path: "/update_stream_type/{name}",
    tag: "sources",
    params: { name: NAME },
    summary: "Change stream_type; a running camera restarts with it",
    body: { schema: z.object({ stream_type: z.enum(STREAM_TYPES) }) },
    responses: { 200: { description: "updated", schema: statusAnswer }, 400: badInput() },
  },
  {
    method: "patch",
    path: "/update_source/{name}",
    tag: "sources",
    params: { name: NAME },
    summary: "Change what is captured; a running camera restarts with it",
    body: { schema: z.object({ source: z.string() }) },
    responses: { 200: { description: "updated", schema: statusAnswer }, 400: badInput() },
  },
  {
    method: "patch",
    path: "/rename_source/{name}",
    tag: "sources",
    params: { name: NAME },
    summary: "Rename a source; sessions follow the new name",
    body: { schema: z.object({ name: z.string() }) },
    responses: {
      200: { description: "renamed or unchanged", schema: statusAnswer },
      400: badInput(),
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
      400: badInput(),
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
    method: "get",
    path: "/roi_stream_status/{cam_id}",
    tag: "cameras",
    params: { cam_id: CAM_ID },
    summary: "Whether a preview stream runs, with its camera",
    responses: { 200: { description: "status", schema: objectAnswer } },
  },
  {
    method: "get",
    path: "/ws_snapshot/{cam_id}",
    tag: "cameras",
    params: { cam_id: CAM_ID },
    summary: "The newest frame as JPEG (wakes a saved source on demand)",
    responses: {
      200: { description: "JPEG", contentType: "image/jpeg" },
      400: { description: "Camera not initialized", contentType: "text/plain" },
      503: { description: "Camera not ready or timeout", contentType: "text/plain" },
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
      400: badInput(),
    },
  },
  {
    method: "post",
    path: "/stop_inference/{cam_id}",
    tag: "jobs",
    params: { cam_id: CAM_ID },
    summary: "Stop an inference job",
    responses: { 200: { description: "stopped or no_task", schema: statusAnswer } },
  },
  {
    method: "get",
    path: "/inference_status/{cam_id}",
    tag: "jobs",
    params: { cam_id: CAM_ID },
    summary: "A job's status with stream health",
    responses: { 200: { description: "status", schema: objectAnswer } },
  },
  {
    method: "get",
    path: "/api/jobs",
    tag: "jobs",
    summary: "Every job's status",
    responses: { 200: { description: "statuses", schema: z.array(objectAnswer) } },
  },
  {
    method: "get",
    path: "/api/dashboard",
    tag: "jobs",
    summary: "Dashboard data: cameras online, running jobs, groups, module counts and latency",
    responses: { 200: { description: "dashboard", schema: objectAnswer } },
  },
  {
    method: "post",
    path: "/api/read",
    tag: "jobs",
    summary: "Read the ROIs of one uploaded image (multipart image + rois, or JSON base64)",
    body: { schema: readJsonBodySchema, contentType: ["application/json", "multipart/form-data"] },
    responses: {
      200: { description: "results in ROI order", schema: objectAnswer },
      400: badInput(),
      413: { description: "body too large" },
      415: { description: "unsupported content-type" },
      422: { description: "undecodable image or invalid ROI" },
    },
  },
];

const wsDocs: RouteDoc[] = ([
  [
    "/ws_roi_result/{cam_id}",
    "Live results: one JSON message per frame (and page-detection messages)",
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
  description: "WebSocket. A foreign Origin is refused (403); a stop closes with code 1000.",
  responses: { 101: { description: "switching protocols" } },
}));

const roiDocs: RouteDoc[] = [
  {
    method: "post",
    path: "/save_roi",
    tag: "rois",
    summary: "Save a source's rois.json (atomic); `path` saves to a file inside the data dir",
    query: z.object({
      path: z.string().optional().describe("file inside the data dir (instead of source)"),
    }),
    body: { schema: SaveRoiBodySchema },
    responses: { 200: { description: "saved", schema: statusAnswer }, 400: badInput() },
  },
  {
    method: "get",
    path: "/load_roi/{name}",
    tag: "rois",
    params: { name: NAME },
    summary: "A source's ROI entries",
    responses: { 200: { description: "entries", schema: RoiFileSchema } },
  },
  {
    method: "get",
    path: "/load_roi_file",
    tag: "rois",
    summary: "ROI entries of a file inside the data dir",
    query: z.object({ path: z.string().describe("data_sources/<name>/<file>") }),
    responses: { 200: { description: "entries", schema: RoiFileSchema }, 400: badInput() },
  },
  {
    method: "get",
    path: "/groups",
    tag: "rois",
    summary: "Every group named by any source's ROIs",
    responses: { 200: { description: "group names", schema: z.array(z.string()) } },
  },
  {
    method: "get",
    path: "/inference_modules",
    tag: "rois",
    summary: "Recognition module names",
    responses: { 200: { description: "names", schema: z.array(z.string()) } },
  },
  {
    method: "get",
    path: "/read_log",
    tag: "rois",
    summary: "The tail of a source's result log, oldest first",
    query: z.object({
      source: z.string().describe(NAME),
      lines: z.string().optional().describe(`1..${MAX_LOG_LINES}, default 40`),
    }),
    responses: {
      200: { description: "lines", schema: z.object({ lines: z.array(z.string()) }) },
      400: badInput(),
    },
  },
];

const pageDocs: RouteDoc[] = [
  {
    method: "get",
    path: "/",
    tag: "pages",
    summary: "Home page",
    responses: { 200: { description: "HTML page", contentType: "text/html" } },
  },
];

/** Every route of the app. */
export const apiRoutes: readonly RouteDoc[] = describeRoutes([
  ...pageDocs,
  ...sourceDocs,
  ...cameraDocs,
  ...jobDocs,
  ...roiDocs,
  ...wsDocs,
  ...accessDocs,
  ...opsDocs,
]);

function badInput() {
  return {
    description: "invalid input; the message names the field and the value",
    schema: errorSchema,
  };
}

function notFound() {
  return { description: "not found", schema: errorSchema };
}
