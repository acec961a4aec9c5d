/** Descriptions of the UI routes (pages, the bundle's static files) and `/api/modules`. */
import { z } from "zod";
import { notFound, type RouteDoc } from "./api_spec.ts";
import { ModuleInfoSchema } from "./modules.ts";

const PAGES: [string, string][] = [
  ["/home", "Dashboard: streams, jobs, live values, plots of values and module latency"],
  [
    "/create_source",
    "Sources: create, rename, re-point, retype, delete; camera status and thumbnails",
  ],
  ["/roi", "ROI editor on a live frame of a source (`?source=`)"],
  ["/inference", "Inference job panels by group (`?cam_id=` opens that job)"],
  ["/inference_page", "Page-detection job panels"],
  ["/create_mqtt", "MQTT configs: create, edit, delete, test the connection"],
  ["/webhooks", "Webhooks: create, edit, delete; delivery state, queue and last error"],
  ["/docs", "How to use VisionROI"],
  ["/jobs", "Batch tasks: upload footage, progress, cancel, delete, downloads"],
  [
    "/history",
    "Results history: chart per numeric ROI and rows of a source over a time range, CSV/JSON " +
    "download (`?source=&roi=&range=hour|day|week|custom&from=&to=`)",
  ],
];

/** A module; `disabled` with its `reason` when it kept killing its worker. */
const moduleInfo = ModuleInfoSchema.extend({
  disabled: z.boolean().optional(),
  reason: z.string().nullable().optional().describe("why the module is disabled"),
});

const html = { 200: { description: "HTML page", contentType: "text/html" } };

/** The UI's routes. */
export const uiDocs: RouteDoc[] = [
  {
    method: "get",
    path: "/",
    tag: "pages",
    summary: "Redirects to /home",
    responses: { 302: { description: "to /home" } },
  },
  {
    method: "get",
    path: "/dashboard",
    tag: "pages",
    summary: "Redirects to /home (VisionROI's old path)",
    responses: { 302: { description: "to /home" } },
  },
  ...PAGES.map(([path, summary]): RouteDoc => ({
    method: "get",
    path,
    tag: "pages",
    summary,
    responses: html,
  })),
  {
    method: "get",
    path: "/jobs/{id}",
    tag: "pages",
    params: { id: "a batch task id" },
    summary: "One batch task's results: table and plots of numeric ROIs over video time",
    responses: html,
  },
  {
    method: "get",
    path: "/static/{path}",
    tag: "pages",
    params: { path: "a file of the UI bundle (`ui/…`), built by `deno task build`" },
    summary: "Scripts and styles of the UI (content-hashed names, cached for a year)",
    responses: {
      200: {
        description: "JavaScript or CSS",
        contentType: "text/javascript",
        also: [{ contentType: "text/css" }],
      },
      404: notFound(),
    },
  },
  {
    method: "get",
    path: "/api/modules",
    tag: "jobs",
    summary: "Inference modules with their params as JSON Schema",
    responses: { 200: { description: "modules", schema: z.array(moduleInfo) } },
  },
];
