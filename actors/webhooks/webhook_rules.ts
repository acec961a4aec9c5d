/**
 * Which ROI results a webhook sends, and what it sends: the filter (sources, cam_ids, ROIs, `when`),
 * the body rendered from the hook's JSON template, and the HMAC-SHA256 signature of that body.
 * Pure functions, so each rule is tested without a network.
 */
import type { RoiResultEntry } from "../jobs/result_bus.ts";
import type { Placeholder, WebhookConfig } from "../../storage/webhook_config.ts";

/** The hook fields the filter reads. */
export type HookFilter = Pick<WebhookConfig, "sources" | "cam_ids" | "rois" | "when" | "pattern">;

/** A reading without a plausibility status counts as accepted. */
export function statusOf(entry: RoiResultEntry): "accepted" | "rejected" {
  return entry.status === "rejected" ? "rejected" : "accepted";
}

/** Whether the hook watches this entry's source, cam_id and ROI (an empty list watches all). */
export function watches(hook: HookFilter, entry: RoiResultEntry): boolean {
  const inList = (list: readonly string[], v: string) => list.length === 0 || list.includes(v);
  return inList(hook.sources, entry.source) && inList(hook.cam_ids, entry.cam_id) &&
    inList(hook.rois, entry.id);
}

/**
 * Whether `entry` fires the hook. `previous` is the text of the ROI's last accepted reading this
 * hook saw (undefined: none yet); `pattern` is the hook's compiled `pattern` for `match`.
 * `rejected` fires only for rejected readings; the other kinds only for accepted ones, and not for
 * a repeat that the ROI's `on_change_only` rule holds back (`unchanged`), as MQTT and Telegram.
 */
export function fires(
  hook: HookFilter,
  entry: RoiResultEntry,
  opts: { previous?: string; pattern?: RegExp } = {},
): boolean {
  if (!watches(hook, entry)) return false;
  const status = statusOf(entry);
  if (hook.when === "rejected") return status === "rejected";
  if (status !== "accepted" || entry.unchanged) return false;
  if (hook.when === "every") return true;
  if (hook.when === "changed") return opts.previous !== entry.text;
  const re = opts.pattern ?? new RegExp(hook.pattern);
  re.lastIndex = 0;
  return re.test(entry.text);
}

/** The values of the placeholders for one entry. */
export function placeholderValues(
  entry: RoiResultEntry,
  hook: Pick<WebhookConfig, "name" | "when">,
): Record<Placeholder, string | number | null> {
  return {
    text: entry.text,
    value: typeof entry.value === "number" && Number.isFinite(entry.value) ? entry.value : null,
    confidence: typeof entry.confidence === "number" ? entry.confidence : null,
    roi_id: entry.id,
    roi_name: entry.name,
    module: entry.module,
    source: entry.source,
    cam_id: entry.cam_id,
    group: entry.group,
    frame_time: entry.frame_time,
    result_time: entry.result_time,
    status: statusOf(entry),
    reason: entry.reason ?? "",
    error: entry.error ?? "",
    hook: hook.name,
    when: hook.when,
  };
}

const WHOLE = /^\{\{\s*([a-z_]+)\s*\}\}$/;
const ANY = /\{\{\s*([a-z_]+)\s*\}\}/g;

/**
 * Renders a template: a string that is exactly one placeholder becomes the value with its JSON
 * type (`"{{value}}"` → `12.5` or `null`); placeholders inside longer strings become text. Keys
 * and non-string values are kept as they are. Returns the JSON text that is sent and signed.
 */
export function renderBody(template: unknown, values: Record<string, unknown>): string {
  const text = (v: unknown) => (v === null || v === undefined ? "" : String(v));
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") {
      const whole = WHOLE.exec(v);
      if (whole && whole[1] in values) return values[whole[1]];
      return v.replace(ANY, (m, name: string) => (name in values ? text(values[name]) : m));
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === "object") {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    }
    return v;
  };
  return JSON.stringify(walk(template));
}

/** `sha256=<hex>`: HMAC-SHA256 of the exact body bytes with the hook's secret. */
export async function signBody(secret: string, body: string): Promise<string> {
  const enc = new TextEncoder();
  const key = await crypto.subtle.importKey(
    "raw",
    enc.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, enc.encode(body)));
  return `sha256=${[...mac].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** The delay before retry number `attempt` (1 = first retry): doubling from `initialMs`, capped. */
export function retryDelayMs(attempt: number, o: { initialMs: number; maxMs: number }): number {
  return Math.min(o.maxMs, o.initialMs * 2 ** Math.max(0, Math.min(attempt - 1, 30)));
}

/** Whether a failed attempt may succeed later: no answer, a timeout, 5xx, 408 or 429. */
export function retryable(status: number | undefined): boolean {
  return status === undefined || status >= 500 || status === 408 || status === 429;
}
