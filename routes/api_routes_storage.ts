/** Descriptions of the routes over the data dir: source folders, ROI files, result logs. */
import { z } from "zod";
import {
  badInput,
  diskFull,
  errorSchema,
  notFound,
  objectAnswer,
  type RouteDoc,
  statusAnswer,
} from "./api_spec.ts";
import { MAX_LOG_LINES } from "./logs.ts";
import { assignBody } from "./mqtt.ts";
import { STREAM_TYPES } from "../storage/source_store.ts";
import {
  LoadRoiAnswerSchema,
  SaveRoiAnswerSchema,
  SaveRoiBodySchema,
} from "../storage/roi_schema.ts";
import { PreValueBodySchema } from "./rois.ts";

/** A ROI's PreValue and last status (actors/results/plausibility.ts `PreValueView`). */
const preValueAnswer = z.object({
  source: z.string(),
  roi_id: z.string(),
  value: z.number().nullable().describe("the last accepted value; null: none yet"),
  text: z.string().optional().describe("text of the last accepted reading"),
  time: z.number().nullable().describe("when it was accepted or set, epoch seconds"),
  pending: z.object({ value: z.number(), count: z.number().int() }).nullable()
    .describe("a jump waiting for confirm_after agreeing readings"),
  last: z.object({
    status: z.enum(["accepted", "rejected"]),
    reason: z.string().optional().describe("why it was rejected"),
    text: z.string(),
    value: z.number().optional(),
    time: z.number().describe("epoch seconds"),
  }).nullable().describe("the last judged reading"),
});
const ROI_ID = "the ROI's id in the source's rois.json";

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
  fps: z.string().optional().describe("frames per second captured (0.1..60); default 5, images 1"),
});
const sourceConfigQuery = z.object({ name: z.string().describe("source name") });

const NAME = "source name";
const unreadable = { description: "the ROI file on disk cannot be read", schema: errorSchema };
const saveFailed = {
  description: '"save failed": the file could not be written',
  schema: errorSchema,
};

/** Source folder routes (`/create_source`, `/delete_source/{name}` …). */
export const sourceDocs: RouteDoc[] = [
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
    responses: { 200: { description: "created", schema: statusAnswer }, 507: diskFull() },
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
    responses: {
      200: { description: "updated", schema: statusAnswer },
      404: notFound(),
      507: diskFull(),
    },
  },
  {
    method: "patch",
    path: "/update_source/{name}",
    tag: "sources",
    params: { name: NAME },
    summary: "Change what is captured (source, fps); a running camera restarts with it",
    body: {
      schema: z.object({
        source: z.string().optional(),
        fps: z.number().min(0.1).max(60).nullable().optional()
          .describe("frames per second (0.1..60); null: the source's default"),
      }),
    },
    responses: {
      200: { description: "updated", schema: statusAnswer },
      404: notFound(),
      507: diskFull(),
    },
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
      404: notFound(),
      507: diskFull(),
    },
  },
];

/** ROI file and log routes (`/save_roi`, `/load_roi/{name}`, `/read_log` …). */
export const roiDocs: RouteDoc[] = [
  {
    method: "post",
    path: "/save_roi",
    tag: "rois",
    summary: "Save a source's rois.json (atomic); `path` saves to a file inside the data dir",
    query: z.object({
      path: z.string().optional().describe("file inside the data dir (instead of source)"),
    }),
    body: { schema: SaveRoiBodySchema },
    responses: {
      200: { description: "saved", schema: SaveRoiAnswerSchema },
      404: { description: "no such source", schema: errorSchema },
      507: diskFull(),
    },
  },
  {
    method: "get",
    path: "/load_roi/{name}",
    tag: "rois",
    params: { name: NAME },
    summary: "A source's ROI entries",
    responses: {
      200: { description: "the entries and the file name", schema: LoadRoiAnswerSchema },
      404: notFound(),
      500: unreadable,
    },
  },
  {
    method: "get",
    path: "/load_roi_file",
    tag: "rois",
    summary: "ROI entries of a file inside the data dir",
    query: z.object({ path: z.string().describe("data_sources/<name>/<file>") }),
    responses: {
      200: { description: "the entries and the file name", schema: LoadRoiAnswerSchema },
      404: notFound(),
      500: unreadable,
    },
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
    summary:
      "Recognition module names, then VisionROI's aliases (easy_ocr, trocr: run on rapid_ocr)",
    responses: { 200: { description: "names", schema: z.array(z.string()) } },
  },
  {
    method: "get",
    path: "/api/rois/{source}/prevalues",
    tag: "rois",
    params: { source: NAME },
    summary: "PreValues and last plausibility status of a source's ROIs (those that have one)",
    responses: {
      200: {
        description: "the source and one entry per ROI",
        schema: z.object({ source: z.string(), rois: z.array(preValueAnswer) }),
      },
      404: notFound(),
      500: unreadable,
    },
  },
  {
    method: "get",
    path: "/api/rois/{source}/{roi_id}/prevalue",
    tag: "rois",
    params: { source: NAME, roi_id: ROI_ID },
    summary: "A ROI's PreValue (last accepted value) and last plausibility status",
    responses: {
      200: { description: "the PreValue (value null: none yet)", schema: preValueAnswer },
      404: { description: "no such source or ROI", schema: errorSchema },
      500: unreadable,
    },
  },
  {
    method: "post",
    path: "/api/rois/{source}/{roi_id}/prevalue",
    tag: "rois",
    params: { source: NAME, roi_id: ROI_ID },
    summary: "Set a ROI's PreValue by hand (written before the answer; clears a pending level)",
    body: { schema: PreValueBodySchema },
    responses: {
      200: { description: "the new PreValue", schema: preValueAnswer },
      404: { description: "no such source or ROI", schema: errorSchema },
      500: unreadable,
      507: diskFull(),
    },
  },
  {
    method: "get",
    path: "/read_log",
    tag: "rois",
    summary: "The tail of a source's result log, oldest first (an unknown source has none)",
    query: z.object({
      source: z.string().describe(NAME),
      lines: z.string().optional().describe(`1..${MAX_LOG_LINES}, default 40`),
    }),
    responses: {
      200: { description: "lines", schema: z.object({ lines: z.array(z.string()) }) },
    },
  },
];

/*
 * The MQTT routes validate by hand (storage/mqtt_config.ts parseMqttBody); this schema describes
 * those checks. Omitted fields take MQTT_DEFAULTS; on PUT an omitted password keeps the stored one.
 */
const mqttBody = z.object({
  name: z.string().describe("config name (not changeable by PUT)"),
  host: z.string().describe("broker host"),
  port: z.union([z.number(), z.string()]).optional(),
  username: z.string().optional(),
  password: z.string().optional().describe("stored with mode 0600, never returned"),
  base_topic: z.string().optional(),
  client_id: z.string().optional(),
  qos: z.union([z.literal(0), z.literal(1), z.literal(2)]).optional(),
  retain: z.unknown().optional(),
  keepalive: z.number().optional(),
  publish_timeout: z.number().optional(),
  tls: z.unknown().optional(),
  tls_ca_file: z.string().optional()
    .describe("PEM file in the data dir's certs/ folder, relative to the data dir (certs/ca.pem)"),
  tls_cert_file: z.string().optional(),
  tls_key_file: z.string().optional(),
  tls_insecure: z.boolean().optional(),
  outbox_size: z.number().optional(),
  ha_discovery: z.boolean().optional(),
  ha_prefix: z.string().optional(),
  control: z.boolean().optional(),
}).loose();

const MQTT_NAME = "MQTT config name";

/** Answer of a successful connection test. */
const probeAnswer = z.object({
  status: z.literal("connected"),
  broker: z.string(),
  client_id: z.string().describe("the test client's id"),
  ms: z.number().describe("milliseconds to the broker's CONNACK"),
});

/** MQTT config routes (`/mqtt_configs`, `/mqtt_configs/{name}`). */
export const mqttDocs: RouteDoc[] = [
  {
    method: "get",
    path: "/mqtt_configs",
    tag: "mqtt",
    summary: "Every MQTT config (has_password instead of the password) with its live status",
    responses: { 200: { description: "configs", schema: z.array(objectAnswer) } },
  },
  {
    method: "post",
    path: "/mqtt_configs",
    tag: "mqtt",
    summary: "Create an MQTT config and connect it",
    body: { schema: mqttBody },
    responses: {
      201: { description: "created", schema: statusAnswer },
      500: saveFailed,
      507: diskFull(),
    },
  },
  {
    method: "put",
    path: "/mqtt_configs/{name}",
    tag: "mqtt",
    params: { name: MQTT_NAME },
    summary: "Replace an MQTT config (an omitted password keeps the stored one)",
    body: { schema: mqttBody },
    responses: {
      200: { description: "updated", schema: statusAnswer },
      404: notFound(),
      500: saveFailed,
      507: diskFull(),
    },
  },
  {
    method: "delete",
    path: "/mqtt_configs/{name}",
    tag: "mqtt",
    params: { name: MQTT_NAME },
    summary: "Delete an MQTT config and disconnect it",
    responses: { 200: { description: "deleted", schema: statusAnswer }, 404: notFound() },
  },
  {
    method: "post",
    path: "/mqtt_configs/{name}/test",
    tag: "mqtt",
    params: { name: MQTT_NAME },
    summary: "Connect once with a separate client (own client id, no will) and disconnect",
    description: "The live connection is not touched and nothing is published: subscribers of " +
      "`<base_topic>/status` see neither offline nor online.",
    responses: {
      200: { description: "the broker accepted the connection", schema: probeAnswer },
      404: notFound(),
      502: {
        description: "the broker refused or could not be reached; `message` says why",
        schema: errorSchema,
      },
    },
  },
  {
    method: "post",
    path: "/mqtt_configs/test",
    tag: "mqtt",
    summary: "Test unsaved settings (the form's) the same way; nothing is stored",
    description: "With the name of a stored config, omitted fields (a blank password) are the " +
      "stored ones, as for PUT.",
    body: { schema: mqttBody },
    responses: {
      200: { description: "the broker accepted the connection", schema: probeAnswer },
      400: badInput(),
      502: {
        description: "the broker refused or could not be reached; `message` says why",
        schema: errorSchema,
      },
    },
  },
  {
    method: "post",
    path: "/mqtt_configs/{name}/assign",
    tag: "mqtt",
    params: { name: MQTT_NAME },
    summary: "Assign the config to every ROI of a source and/or group (or take it off)",
    body: { schema: assignBody },
    responses: {
      200: {
        description: "assigned (or cleared)",
        schema: z.object({
          status: z.enum(["assigned", "cleared"]),
          config: z.string(),
          matched: z.number().int().describe("ROIs of the source/group"),
          changed: z.number().int().describe("ROIs whose mqtt_config changed"),
          sources: z.record(z.string(), z.number().int()).describe("changed ROIs per source"),
        }),
      },
      400: badInput(),
      404: notFound(),
      500: saveFailed,
      507: diskFull(),
    },
  },
  {
    method: "get",
    path: "/mqtt_certs",
    tag: "mqtt",
    summary: "TLS files the MQTT form offers: the files under `<data dir>/certs/`",
    responses: {
      200: {
        description: "paths relative to the data dir",
        schema: z.object({ folder: z.string(), files: z.array(z.string()) }),
      },
    },
  },
  {
    method: "delete",
    path: "/mqtt_configs/",
    tag: "mqtt",
    summary: "An empty name: always 400 invalid name (VisionROI's answer)",
    responses: { 400: { description: "invalid name", schema: errorSchema } },
  },
];
