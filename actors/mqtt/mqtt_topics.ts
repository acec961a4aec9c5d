/**
 * VisionROI's MQTT topics and payload (contract §3.9), and the availability and control topics
 * that sit beside them. Pure functions: the system and the tests share them.
 */
import type { RoiResultEntry } from "../jobs/result_bus.ts";

/** VisionROI's segment rule: trim, spaces → `_`, anything outside `[0-9A-Za-z_-]` → `_`, strip `_`. */
export function sanitizeSegment(raw: unknown): string {
  return String(raw ?? "")
    .trim()
    .replace(/\s/g, "_")
    .replace(/[^0-9A-Za-z_-]+/g, "_")
    .replace(/^_+|_+$/g, "");
}

/** The base topic as VisionROI builds it: split on `/`, each segment sanitised, empty ones dropped. */
export function baseSegments(base: string): string[] {
  return base.split("/").map(sanitizeSegment).filter((s) => s !== "");
}

/** `<base>/<source|cam_id|camera>/<group|ungrouped>/<roi_id|roi>` with VisionROI's sanitising. */
export function roiTopic(
  base: string,
  parts: { source?: string; camId?: string; group?: string; roiId?: string },
): string {
  const device = deviceKey(parts.source, parts.camId);
  const group = sanitizeSegment(parts.group) || "ungrouped";
  const roi = sanitizeSegment(parts.roiId) || "roi";
  return [...baseSegments(base), device, group, roi].join("/");
}

/** The topic segment naming a camera: the source, else the cam_id, else `camera`. */
export function deviceKey(source?: string, camId?: string): string {
  return sanitizeSegment(source) || sanitizeSegment(camId) || "camera";
}

/** Availability topic of a connection: `<base>/status`. */
export function statusTopic(base: string): string {
  return [...baseSegments(base), "status"].join("/");
}

/**
 * Availability topic of one node in cluster mode: `<base>/status/<node_id>` (its last will; the
 * discovery entities list every live node's with `availability_mode: any`).
 */
export function nodeStatusTopic(base: string, nodeId: string): string {
  return [...baseSegments(base), "status", sanitizeSegment(nodeId) || "node"].join("/");
}

/** Subscription filter for control messages: `<base>/+/set`. */
export function controlFilter(base: string): string {
  return [...baseSegments(base), "+", "set"].join("/");
}

/** The cam_id of a control topic, or undefined when the topic is not one. */
export function camIdOfControlTopic(base: string, topic: string): string | undefined {
  const prefix = baseSegments(base);
  const parts = topic.split("/");
  if (parts.length !== prefix.length + 2 || parts[parts.length - 1] !== "set") return undefined;
  if (prefix.some((p, i) => parts[i] !== p)) return undefined;
  return parts[prefix.length] || undefined;
}

/** VisionROI's per-ROI payload, keys in its order; `duration` only when known. */
export function roiPayload(entry: RoiResultEntry): Record<string, unknown> {
  const payload: Record<string, unknown> = {
    cam_id: entry.cam_id,
    source: entry.source,
    group: entry.group ?? "",
    roi_id: String(entry.id),
    roi_name: entry.name ?? "",
    module: entry.module ?? "",
    text: entry.text,
    frame_time: entry.frame_time,
    result_time: entry.result_time,
  };
  if (typeof entry.duration === "number") payload.duration = entry.duration;
  // A ROI with plausibility rules publishes its accepted value (after shift and rounding) too.
  if (entry.status !== undefined && entry.value !== undefined) payload.value = entry.value;
  return payload;
}
