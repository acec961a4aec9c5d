/**
 * The one source-spec validator: what a user may type as a capture source (`config.json`'s
 * `source`, `stream_type`, `width`, `height`, `fps`, or `/start_roi_stream` settings), and how such a
 * config becomes the {@linkcode SourceSpec} a camera captures. Source files, stream sessions and the
 * camera system all call these; nothing else checks a source string.
 */
import { InputError } from "../../storage/errors.ts";
import { isNetworkUrl, NETWORK_SCHEMES } from "./ffmpeg_args.ts";
import type { SourceSpec } from "./frame.ts";

/** Backends VisionROI knows; both map to our frame sources. */
export const STREAM_TYPES = ["opencv", "ffmpeg"] as const;

/** Schemes a source may use: ffmpeg's network ones, `demo:` and `v4l2:` devices. */
const SCHEMES: ReadonlySet<string> = new Set([...NETWORK_SCHEMES, "demo", "v4l2"]);

/**
 * Checks a capture source string: non-empty, no control characters, and a scheme (if any) from the
 * list above, so ffmpeg cannot be talked into `file:`, `concat:` or `data:` tricks.
 */
export function checkSourceString(raw: unknown, field = "source"): string {
  if (typeof raw !== "string") {
    throw new InputError(field, `invalid ${field}: expected a string, got ${typeof raw}`);
  }
  const s = raw.trim();
  if (s === "") throw new InputError(field, `missing ${field}`);
  // deno-lint-ignore no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(s)) {
    throw new InputError(
      field,
      `invalid ${field} ${JSON.stringify(raw)}: contains control characters`,
    );
  }
  if (s.length > 2048) throw new InputError(field, `invalid ${field}: longer than 2048 characters`);
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(s)?.[1]?.toLowerCase();
  if (scheme && scheme.length > 1 && !SCHEMES.has(scheme)) {
    throw new InputError(
      field,
      `invalid ${field} ${JSON.stringify(s)}: scheme "${scheme}:" is not allowed`,
    );
  }
  return s;
}

/** Checks `stream_type`: `opencv` or `ffmpeg`. */
export function checkStreamType(raw: unknown): "opencv" | "ffmpeg" {
  if (raw === "opencv" || raw === "ffmpeg") return raw;
  throw new InputError(
    "stream_type",
    `invalid stream_type ${JSON.stringify(raw)}: expected "opencv" or "ffmpeg"`,
  );
}

/** Checks an optional width/height: a positive integer up to 8192, or undefined when empty. */
export function checkDimension(raw: unknown, field: string): number | undefined {
  if (raw === undefined || raw === null || raw === "") return undefined;
  const n = typeof raw === "number" ? raw : Number(String(raw).trim());
  if (!Number.isInteger(n) || n < 1 || n > 8192) {
    throw new InputError(
      field,
      `invalid ${field} ${JSON.stringify(raw)}: expected an integer 1..8192`,
    );
  }
  return n;
}

/** Lowest frame rate a source may ask for (one frame every 10 s). */
export const MIN_FPS = 0.1;
/** Highest frame rate a source may ask for. */
export const MAX_SOURCE_FPS = 60;

/**
 * Checks an optional `fps`: a number from 0.1 to 60 (a form's string is parsed), or undefined when
 * empty (the source's default: 5 for streams and videos, 1 for still images).
 */
export function checkFps(raw: unknown): number | undefined {
  if (raw === undefined || raw === null || raw === "") return undefined;
  const n = typeof raw === "number" ? raw : typeof raw === "string" ? Number(raw.trim()) : NaN;
  if (!Number.isFinite(n) || n < MIN_FPS || n > MAX_SOURCE_FPS) {
    throw new InputError(
      "fps",
      `invalid fps ${JSON.stringify(raw)}: expected a number from ${MIN_FPS} to ${MAX_SOURCE_FPS}`,
    );
  }
  return n;
}

/** The `config.json` fields that shape capture. */
export interface SourceSpecFields {
  source: unknown;
  width?: unknown;
  height?: unknown;
  stream_type?: unknown;
  fps?: unknown;
}

/**
 * Turns a saved source config (already checked when it was written) into what the camera captures;
 * fields a hand-edited file got wrong fall back to their defaults instead of failing. A network URL
 * is always `ffmpeg`, as VisionROI forced it (its OpenCV backend could not read them).
 */
export function specFromConfig(cfg: SourceSpecFields): SourceSpec {
  const fps = typeof cfg.fps === "number" && cfg.fps >= MIN_FPS && cfg.fps <= MAX_SOURCE_FPS
    ? cfg.fps
    : undefined;
  return {
    source: String(cfg.source),
    width: typeof cfg.width === "number" ? cfg.width : undefined,
    height: typeof cfg.height === "number" ? cfg.height : undefined,
    streamType: cfg.stream_type === "ffmpeg" || isNetworkUrl(String(cfg.source))
      ? "ffmpeg"
      : "opencv",
    ...(fps ? { fps } : {}),
  };
}
