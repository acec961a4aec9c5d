/**
 * Cameras are keyed by what they capture: the normalised source, the size and the fps. Two cam_ids
 * that ask for the same capture share one camera; one that asks for another capture gets another
 * camera, so nothing a cam_id posts can switch the stream under a different cam_id. Low-latency
 * mode of a live source is another capture (other ffmpeg options); elsewhere it changes nothing.
 */
import { posix } from "node:path";
import type { SourceSpec } from "../frame_sources/frame.ts";
import { lowLatencyApplies } from "../frame_sources/ffmpeg_args.ts";

/** The spec as a camera key sees it: trimmed source, scheme in lower case, local paths normalised. */
export function normalizeSpec(spec: SourceSpec): SourceSpec {
  const raw = spec.source.trim();
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(raw);
  const source = scheme
    ? scheme[1].toLowerCase() + raw.slice(scheme[1].length)
    : /^\d+$/.test(raw) || raw === "demo" || raw === ""
    ? raw
    : posix.normalize(raw);
  return {
    source,
    ...(spec.width ? { width: spec.width } : {}),
    ...(spec.height ? { height: spec.height } : {}),
    ...(spec.fps ? { fps: spec.fps } : {}),
    // VisionROI's backend name does not change what is captured: both map to the same sources.
    ...(spec.streamType ? { streamType: spec.streamType } : {}),
    ...(spec.lowLatency && lowLatencyApplies(source) ? { lowLatency: true } : {}),
  };
}

/** The canonical text of what a spec captures (stream type left out, low latency when it applies). */
export function captureKey(spec: SourceSpec): string {
  const n = normalizeSpec(spec);
  const key = [n.source, n.width ?? null, n.height ?? null, n.fps ?? null];
  // Appended only when on, so the ids of every other capture stay as they were.
  return JSON.stringify(n.lowLatency ? [...key, "low_latency"] : key);
}

/** The camera id of a spec: `cap_` and 16 hex digits of the capture key's FNV-1a hash (no credentials in ids). */
export function cameraIdFor(spec: SourceSpec): string {
  return `cap_${fnv1a64(captureKey(spec))}`;
}

/** Whether two specs capture the same thing. */
export function sameCapture(a: SourceSpec, b: SourceSpec): boolean {
  return captureKey(a) === captureKey(b);
}

function fnv1a64(text: string): string {
  let h = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(text)) {
    h ^= BigInt(byte);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, "0");
}
