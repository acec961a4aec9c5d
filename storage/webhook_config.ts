/**
 * One webhook as stored in `webhooks.json`: where ROI results are POSTed, which ones, the JSON body
 * template, the signing secret, and the delivery limits. One zod schema validates a body (POST, PUT
 * merged over the stored hook) and every entry read from the file.
 */
import { z } from "zod";
import { segmentTrick } from "./safe_name.ts";

/** The placeholders a body template may use, with what each becomes. */
export const PLACEHOLDERS = {
  text: "the ROI's text",
  value: "the parsed number (null when none)",
  confidence: "the module's confidence 0..1 (null when none)",
  roi_id: "the ROI's id",
  roi_name: "the ROI's name",
  module: "the module that read it",
  source: "the source name",
  cam_id: "the job's cam_id",
  group: "the job's group",
  frame_time: "capture time of the frame, seconds since the epoch (a number)",
  result_time: "when the reading was done, seconds since the epoch (a number)",
  status: '"accepted" or "rejected" (plausibility rules)',
  reason: "why a reading was rejected, else empty",
  error: "the module's error, else empty",
  hook: "this webhook's name",
  when: "this webhook's `when`",
} as const;

/** A placeholder's name. */
export type Placeholder = keyof typeof PLACEHOLDERS;

/** The body sent when a hook sets none: every placeholder under its own name. */
export const DEFAULT_BODY: Record<string, string> = Object.fromEntries(
  Object.keys(PLACEHOLDERS).map((k) => [k, `{{${k}}}`]),
);

/** Largest body template, as JSON text. */
export const MAX_TEMPLATE_CHARS = 16_384;
/** Longest `match` pattern. */
export const MAX_PATTERN_CHARS = 200;

const PLACEHOLDER_RE = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** Every `{{name}}` used in string values of a template (keys are taken literally). */
export function placeholdersOf(template: unknown): string[] {
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (typeof v === "string") { for (const m of v.matchAll(PLACEHOLDER_RE)) out.push(m[1]); }
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === "object") Object.values(v).forEach(walk);
  };
  walk(template);
  return out;
}

const nameSchema = z.string().trim().min(1, "must not be empty").max(100, "at most 100 characters")
  .refine(
    // deno-lint-ignore no-control-regex
    (n) => !/[\u0000-\u001f\u007f/\\]/.test(n) && !segmentTrick(n),
    "no slashes, control or bidi characters",
  );

const listSchema = z.array(z.string().min(1).max(200)).max(100, "at most 100 entries");

const urlSchema = z.string().trim().max(2048, "at most 2048 characters").refine((u) => {
  try {
    const p = new URL(u);
    return (p.protocol === "http:" || p.protocol === "https:") && p.hostname !== "";
  } catch {
    return false;
  }
}, "expected an http:// or https:// URL");

const templateSchema = z.union([z.record(z.string(), z.unknown()), z.array(z.unknown())])
  .superRefine((t, ctx) => {
    const text = JSON.stringify(t);
    if (text.length > MAX_TEMPLATE_CHARS) {
      ctx.addIssue({
        code: "custom",
        message: `at most ${MAX_TEMPLATE_CHARS} characters as JSON, got ${text.length}`,
      });
    }
    const unknown = placeholdersOf(t).filter((p) => !(p in PLACEHOLDERS));
    if (unknown.length) {
      ctx.addIssue({
        code: "custom",
        message: `unknown placeholder {{${unknown[0]}}}; known: ${
          Object.keys(PLACEHOLDERS).join(", ")
        }`,
      });
    }
  });

const seconds = (min: number, max: number) =>
  z.number().min(min, `at least ${min}`).max(max, `at most ${max}`);

/** A hook's fields, each checked on its own (the cross-field rules are in `webhookSchema`). */
export const webhookFields = z.strictObject({
  name: nameSchema.describe("unique; at most 100 characters, no slashes"),
  url: urlSchema.describe("http:// or https:// URL the results are POSTed to"),
  enabled: z.boolean().default(true).describe("false: nothing is queued or sent"),
  secret: z.string().max(256, "at most 256 characters").default("")
    .describe('HMAC-SHA256 key; write-only (never returned); "" = unsigned'),
  sources: listSchema.default([]).describe("source names; [] = every source"),
  cam_ids: listSchema.default([]).describe("cam_ids; [] = every job"),
  rois: listSchema.default([]).describe("ROI ids; [] = every ROI"),
  when: z.enum(["every", "changed", "rejected", "match"]).default("changed").describe(
    "every accepted reading; accepted readings whose text changed; rejected readings; " +
      "accepted readings whose text matches `pattern`",
  ),
  pattern: z.string().max(MAX_PATTERN_CHARS, `at most ${MAX_PATTERN_CHARS} characters`)
    .default("").describe("regular expression for `when: match`"),
  body: templateSchema.default(DEFAULT_BODY)
    .describe("JSON body template; `{{name}}` placeholders in string values"),
  timeout_s: seconds(0.1, 60).default(5).describe("per attempt"),
  retry_initial_s: seconds(0.1, 3600).default(1).describe("first retry delay; doubles"),
  retry_max_s: seconds(0.1, 3600).default(60).describe("longest retry delay"),
  queue_size: z.number().int("expected an integer").min(1, "at least 1")
    .max(100_000, "at most 100000").default(1000)
    .describe("deliveries kept while the receiver is away; beyond it the oldest are dropped"),
});

/** What a stored hook (and a POST body, before defaults) looks like. */
export const webhookSchema = webhookFields.superRefine((h, ctx) => {
  if (h.when === "match") {
    if (h.pattern === "") {
      ctx.addIssue({ code: "custom", path: ["pattern"], message: 'required for when "match"' });
    } else {
      try {
        new RegExp(h.pattern);
      } catch (err) {
        ctx.addIssue({ code: "custom", path: ["pattern"], message: (err as Error).message });
      }
    }
  }
  if (h.retry_max_s < h.retry_initial_s) {
    ctx.addIssue({
      code: "custom",
      path: ["retry_max_s"],
      message: `must be at least retry_initial_s (${h.retry_initial_s})`,
    });
  }
});

/** A hook as stored. */
export type WebhookConfig = z.output<typeof webhookSchema>;

/** What the API shows: no secret, `has_secret` instead. */
export type WebhookConfigView = Omit<WebhookConfig, "secret"> & { has_secret: boolean };

/** Turns a zod failure into one sentence naming the field and the value. */
function message(err: z.ZodError, input: unknown): string {
  const issue = err.issues[0];
  if (issue.code === "unrecognized_keys") {
    const key = issue.keys[0];
    const v = (input as Record<string, unknown>)[key];
    return `invalid ${key} ${JSON.stringify(v)?.slice(0, 80)}: unknown field; known: ${
      Object.keys(webhookFields.shape).join(", ")
    }`;
  }
  let value: unknown = input;
  for (const key of issue.path) {
    value = value && typeof value === "object"
      ? (value as Record<PropertyKey, unknown>)[key as PropertyKey]
      : undefined;
  }
  const path = issue.path.join(".");
  // A secret is never echoed, not even in an error.
  const shown = value === undefined || issue.path[0] === "secret"
    ? ""
    : ` ${JSON.stringify(value)?.slice(0, 80)}`;
  return `invalid ${path || "body"}${shown}: ${issue.message}`;
}

/**
 * Validates a POST body, or a PUT body merged over the stored hook `base` (omitted fields keep
 * their value; an omitted secret keeps the stored one). Throws a RangeError naming field and value.
 */
export function parseWebhookBody(
  body: Record<string, unknown>,
  base?: WebhookConfig,
): WebhookConfig {
  const input = base ? { ...base, ...body, name: base.name } : body;
  if (base && body.name !== undefined && body.name !== base.name) {
    throw new RangeError(
      `invalid name ${JSON.stringify(body.name)}: a webhook cannot be renamed (it is ${
        JSON.stringify(base.name)
      }); create a new one`,
    );
  }
  const parsed = webhookSchema.safeParse(input);
  if (!parsed.success) throw new RangeError(message(parsed.error, input));
  return parsed.data;
}

/** The API's view of a hook. */
export function webhookView(h: WebhookConfig): WebhookConfigView {
  const { secret, ...rest } = h;
  return { ...rest, has_secret: secret !== "" };
}
