/** Descriptions of the webhook routes (`/api/webhooks`, `/api/webhooks/{name}`). */
import { z } from "zod";
import { diskFull, errorSchema, notFound, type RouteDoc } from "./api_spec.ts";
import { PLACEHOLDERS, webhookFields, webhookSchema } from "../storage/webhook_config.ts";

const NAME = "webhook name";

/** A PUT body: any subset of the fields; omitted ones (the secret too) keep their stored value. */
const webhookPatch = webhookFields.partial();

const statusView = z.object({
  state: z.enum(["idle", "sending", "retrying", "disabled", "failed"])
    .describe(
      "idle: queue empty; sending; retrying: waiting for the next try; failed: sender parked",
    ),
  queued: z.number().describe("deliveries waiting"),
  delivered: z.number().describe("taken by the receiver (2xx)"),
  failed: z.number().describe("refused for good (a 4xx other than 408/429, or a redirect)"),
  dropped: z.number().describe("dropped because the queue was full (oldest first)"),
  retries: z.number().describe("attempts that failed and were retried"),
  last_delivery_at: z.number().nullable().describe("seconds since the epoch"),
  last_status: z.number().nullable().describe("HTTP status of the last answer; null: none"),
  last_error: z.string().nullable().describe("the last failure in words"),
  last_error_at: z.number().nullable().describe("seconds since the epoch"),
  next_retry_at: z.number().nullable().describe("seconds since the epoch, while retrying"),
});

/** What GET shows of a hook: no secret (`has_secret`), and its delivery status. */
export const webhookViewSchema = z.object({
  name: z.string(),
  url: z.string(),
  enabled: z.boolean(),
  has_secret: z.boolean(),
  sources: z.array(z.string()),
  cam_ids: z.array(z.string()),
  rois: z.array(z.string()),
  when: z.enum(["every", "changed", "rejected", "match"]),
  pattern: z.string(),
  body: z.unknown(),
  timeout_s: z.number(),
  retry_initial_s: z.number(),
  retry_max_s: z.number(),
  queue_size: z.number(),
  status: statusView.nullable(),
});

const written = (word: string) => z.object({ status: z.literal(word), webhook: webhookViewSchema });

const saveFailed = {
  description: '`"message": "save failed"`: webhooks.json not written',
  schema: errorSchema,
};

const PLACEHOLDER_TEXT = Object.entries(PLACEHOLDERS).map(([k, v]) => `{{${k}}}: ${v}`).join("; ");

/** The webhook routes. */
export const webhookDocs: RouteDoc[] = [
  {
    method: "get",
    path: "/api/webhooks",
    tag: "webhooks",
    summary: "Every webhook (has_secret instead of the secret) with its delivery status",
    responses: { 200: { description: "webhooks", schema: z.array(webhookViewSchema) } },
  },
  {
    method: "post",
    path: "/api/webhooks",
    tag: "webhooks",
    summary: "Create a webhook; matching ROI results are POSTed to its URL from then on",
    description: "The body template is JSON; placeholders in string values: " +
      `${PLACEHOLDER_TEXT}. A string that is exactly one placeholder keeps its JSON type.`,
    body: { schema: webhookSchema },
    responses: {
      201: { description: "created", schema: written("created") },
      409: { description: "a webhook of that name exists", schema: errorSchema },
      500: saveFailed,
      507: diskFull(),
    },
  },
  {
    method: "get",
    path: "/api/webhooks/{name}",
    tag: "webhooks",
    params: { name: NAME },
    summary: "One webhook with its delivery status",
    responses: { 200: { description: "the webhook", schema: webhookViewSchema }, 404: notFound() },
  },
  {
    method: "put",
    path: "/api/webhooks/{name}",
    tag: "webhooks",
    params: { name: NAME },
    summary: "Change a webhook: omitted fields keep their value (an omitted secret too)",
    body: { schema: webhookPatch },
    responses: {
      200: { description: "updated", schema: written("updated") },
      404: notFound(),
      500: saveFailed,
      507: diskFull(),
    },
  },
  {
    method: "delete",
    path: "/api/webhooks/{name}",
    tag: "webhooks",
    params: { name: NAME },
    summary: "Delete a webhook and drop its queue",
    responses: {
      200: {
        description: "deleted",
        schema: z.object({ status: z.literal("deleted"), name: z.string() }),
      },
      404: notFound(),
      500: saveFailed,
    },
  },
];
