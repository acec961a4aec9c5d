/**
 * The per-source result log `<dataDir>/<source>/custom.log`: one
 * `<ISO time> - INFO - AGGREGATED_ROI {json}` line per frame (VisionROI's line shape, UTC ISO time),
 * appends serialised per file, size-based rotation, and a tail reader that never loads the file.
 */
import { join } from "node:path";
import { readTail } from "./log_tail.ts";
import { checkSourceName } from "./safe_name.ts";
import type { SourceStore } from "./source_store.ts";
import { capText } from "./text_cap.ts";

export { DEFAULT_MAX_TAIL_BYTES, readTail, type TailOptions } from "./log_tail.ts";

/** The log's filename inside a source folder. */
export const RESULT_LOG_FILE = "custom.log";

/** Default size at which the log rotates to `custom.log.1`. */
export const DEFAULT_MAX_LOG_BYTES = 10 * 1024 * 1024;

/** Default number of rotated files kept (`custom.log.1` … `.3`). */
export const DEFAULT_KEEP_LOGS = 3;

/** One frame's aggregated result, in VisionROI's key order; `image` fields are not logged. */
export interface AggregatedPayload {
  /** Capture time, epoch seconds. */
  frame_time?: number;
  /** Time the last ROI answered, epoch seconds. */
  result_time?: number;
  /** Job id. */
  cam_id?: string;
  /** Group or detected page. */
  group?: string | null;
  /** Source name. */
  source?: string;
  /** Per-ROI results: `{id, name, text, module, duration?}`. */
  results: Record<string, unknown>[];
  /** Seconds from frame to last result. */
  frame_duration?: number;
  [extra: string]: unknown;
}

/** The order of an `AGGREGATED_ROI` line's keys in VisionROI's log (contract §2.5). */
const LOG_KEY_ORDER = [
  "frame_time",
  "result_time",
  "cam_id",
  "group",
  "source",
  "results",
  "frame_duration",
] as const;

/** Options of {@linkcode appendAggregated}. */
export interface AppendOptions {
  /** Rotate before a write would pass this size [10 MiB]. */
  maxBytes?: number;
  /** Rotated files kept [3]. */
  keep?: number;
  /** Clock for the line's time [`() => new Date()`]. */
  now?: () => Date;
}

/** `2026-01-31T12:34:56.789Z - INFO - <message>`: VisionROI's `asctime - level - message` shape. */
export function formatLogLine(time: Date, level: string, message: string): string {
  return `${time.toISOString()} - ${level} - ${message}\n`;
}

/** Options of {@linkcode pythonJsonDumps}. */
export interface PythonDumpsOptions {
  /** Escape every character outside printable ASCII as `\uXXXX` (Python's default) [false]. */
  ensureAscii?: boolean;
}

/**
 * `json.dumps(value)` as Python writes it: `", "` and `": "` separators, floats in Python's repr
 * (`1e-05`, `NaN`), and with `ensureAscii` the `\uXXXX` escapes (lowercase, surrogate pairs).
 * Whole numbers print without `.0` (JavaScript has one number type).
 */
export function pythonJsonDumps(value: unknown, opts: PythonDumpsOptions = {}): string {
  const str = (s: string) => {
    const json = JSON.stringify(s);
    if (!opts.ensureAscii) return json;
    return json.replace(
      /[^\x20-\x7e]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
    );
  };
  const walk = (v: unknown): string => {
    if (v === null || v === undefined) return "null";
    if (typeof v === "string") return str(v);
    if (typeof v === "number") return pythonFloat(v);
    if (typeof v === "boolean") return v ? "true" : "false";
    if (typeof v === "bigint") return v.toString();
    if (Array.isArray(v)) return `[${v.map((x) => walk(x ?? null)).join(", ")}]`;
    if (typeof v === "object") {
      const toJSON = (v as { toJSON?: () => unknown }).toJSON;
      if (typeof toJSON === "function") return walk(toJSON.call(v));
      const parts = Object.entries(v as Record<string, unknown>)
        .filter(([, x]) => x !== undefined && typeof x !== "function")
        .map(([k, x]) => `${str(k)}: ${walk(x)}`);
      return `{${parts.join(", ")}}`;
    }
    return "null";
  };
  return walk(value);
}

/** A number as Python's `repr(float)` (or `int`) writes it. */
function pythonFloat(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "Infinity" : "-Infinity";
  if (Number.isInteger(x)) return String(x);
  const [mant, exp] = x.toExponential().split("e");
  const e = Number(exp);
  if (e < -4 || e >= 16) {
    return `${mant}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
  }
  return String(x);
}

/** The log path of a source (confined to the data dir). */
export async function resultLogPath(sources: SourceStore, source: string): Promise<string> {
  return join(await sources.dirOf(source), RESULT_LOG_FILE);
}

/**
 * Appends one `AGGREGATED_ROI {json}` line to the source's log, rotating first when the file would
 * pass `maxBytes`. The source folder must exist: a deleted source is not re-created.
 */
export async function appendAggregated(
  sources: SourceStore,
  source: string,
  payload: AggregatedPayload,
  opts: AppendOptions = {},
): Promise<void> {
  const path = await resultLogPath(sources, source);
  const results = payload.results.map((r) => {
    const { image: _image, ...rest } = r;
    return capStrings(rest);
  });
  // VisionROI's key order whatever order the caller built the payload in; keys it did not have
  // follow. Absent keys stay absent.
  const ordered: Record<string, unknown> = {};
  for (const key of LOG_KEY_ORDER) if (key in payload) ordered[key] = payload[key];
  ordered.results = results;
  // Python's json.dumps spacing (VisionROI's line), UTF-8 as its ensure_ascii=False wrote it.
  const json = pythonJsonDumps({ ...ordered, ...payload, results });
  const line = formatLogLine((opts.now ?? (() => new Date()))(), "INFO", `AGGREGATED_ROI ${json}`);
  await appendLine(path, line, opts);
}

/**
 * Every string field of a result cut to 4 KiB (`truncated: true` added when one was), so one
 * line stays bounded whatever a module answered.
 */
function capStrings(r: Record<string, unknown>): Record<string, unknown> {
  let cut = false;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) {
    if (typeof v !== "string") {
      out[k] = v;
      continue;
    }
    const capped = capText(v);
    cut ||= capped.truncated;
    out[k] = capped.text;
  }
  if (cut) out.truncated = true;
  return out;
}

/**
 * The last `lines` lines of a source's log, oldest first, continuing into `custom.log.1` when the
 * current file (just rotated) holds fewer. An unknown source has no lines (VisionROI's 200 `[]`).
 */
export async function readSourceLog(
  sources: SourceStore,
  source: string,
  lines: number,
): Promise<string[]> {
  const name = checkSourceName(source, "source");
  if (!(await sources.get(name))) return [];
  const path = await resultLogPath(sources, name);
  const recent = await readTail(path, lines);
  if (recent.length >= lines) return recent;
  return [...await readTail(`${path}.1`, lines - recent.length), ...recent];
}

/** Appends `line` to `path` after the writes queued before it; rotates by size first. */
export function appendLine(path: string, line: string, opts: AppendOptions = {}): Promise<void> {
  const bytes = new TextEncoder().encode(line);
  return serialised(path, async () => {
    const max = opts.maxBytes ?? DEFAULT_MAX_LOG_BYTES;
    const size = await sizeOf(path);
    if (size > 0 && size + bytes.length > max) await rotate(path, opts.keep ?? DEFAULT_KEEP_LOGS);
    const file = await Deno.open(path, { append: true, create: true });
    try {
      let off = 0;
      while (off < bytes.length) off += await file.write(bytes.subarray(off));
    } finally {
      file.close();
    }
  });
}

/** `path` → `path.1` → … → `path.<keep>`; the oldest falls off. */
export async function rotate(path: string, keep: number): Promise<void> {
  if (keep < 1) {
    await removeIfExists(path);
    return;
  }
  await removeIfExists(`${path}.${keep}`);
  for (let i = keep - 1; i >= 1; i--) await renameIfExists(`${path}.${i}`, `${path}.${i + 1}`);
  await renameIfExists(path, `${path}.1`);
}

const queues = new Map<string, Promise<void>>();

/** Runs `fn` after every earlier task for `key`; each caller gets its own task's outcome. */
function serialised(key: string, fn: () => Promise<void>): Promise<void> {
  const run = (queues.get(key) ?? Promise.resolve()).then(fn);
  // The chain only orders tasks: a failure belongs to its own caller (through `run`), not to the
  // tasks queued after it, so the chain link settles either way.
  const link = run.then(() => undefined, () => undefined);
  queues.set(key, link);
  link.then(() => {
    if (queues.get(key) === link) queues.delete(key);
  });
  return run;
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await Deno.stat(path)).size;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return 0;
    throw err;
  }
}

async function removeIfExists(path: string): Promise<void> {
  try {
    await Deno.remove(path);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
}

async function renameIfExists(from: string, to: string): Promise<void> {
  try {
    await Deno.rename(from, to);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
}
