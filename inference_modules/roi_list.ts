/**
 * Parses a list of ROIs in VisionROI's `rois.json` format for one-shot reads (API and CLI):
 * `id`, `name`, `module`, `points` (or a legacy `{x,y,width,height}` rectangle), optional `params`.
 * Entries whose `type` is set to anything but "roi" (page templates) are skipped, as VisionROI's
 * server does; unknown extra fields (a fixture's `expected`) are ignored.
 */
import { z } from "zod";
import type { RoiTask } from "./pool_types.ts";
import type { ModuleRegistry } from "./registry.ts";
import { type FrameSize, validateRoiPolygon } from "./roi_polygon.ts";

/** A ROI list entry that cannot be read; `field` is its JSON path (`rois[2].module`). */
export class RoiInputError extends Error {
  override name = "RoiInputError";
  /** JSON path of the bad field. */
  readonly field: string;

  /** `message` should name the value; it is prefixed with the field. */
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.field = field;
  }
}

const roiEntry = z.object({
  id: z.union([z.string().min(1).max(200), z.number()]).optional(),
  name: z.string().max(200).optional(),
  type: z.string().optional(),
  module: z.string().max(64).optional(),
  points: z.unknown().optional(),
  x: z.number().optional(),
  y: z.number().optional(),
  width: z.number().optional(),
  height: z.number().optional(),
  params: z.record(z.string(), z.unknown()).optional(),
});

/** Accepts an array, or an object with a `rois` array (the fixtures' layout). */
function entries(json: unknown): unknown[] {
  if (Array.isArray(json)) return json;
  if (json && typeof json === "object" && Array.isArray((json as { rois?: unknown }).rois)) {
    return (json as { rois: unknown[] }).rois;
  }
  throw new RoiInputError("rois", `must be an array of ROI objects, got ${typeof json}`);
}

/**
 * Validates every ROI (shape, module, params, polygon against `frame` when given) and returns the
 * tasks in input order (skipped page entries excepted). Throws {@linkcode RoiInputError}.
 */
export function parseRoiList(
  json: unknown,
  opts: { registry: ModuleRegistry; frame?: FrameSize },
): RoiTask[] {
  const { registry, frame } = opts;
  const list = entries(json);
  const tasks: RoiTask[] = [];
  list.forEach((raw, i) => {
    const at = `rois[${i}]`;
    const parsed = roiEntry.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new RoiInputError(
        `${at}${issue.path.map((p) => `.${String(p)}`).join("")}`,
        issue.message,
      );
    }
    const r = parsed.data;
    if (r.type !== undefined && r.type !== "roi") return;
    const id = r.id === undefined ? String(i + 1) : String(r.id);
    if (!r.module) throw new RoiInputError(`${at}.module`, `ROI "${id}" has no module`);
    if (!registry.get(r.module)) {
      throw new RoiInputError(`${at}.module`, `unknown module ${JSON.stringify(r.module)}`);
    }
    const shape = r.points ??
      (r.width !== undefined ? { x: r.x, y: r.y, width: r.width, height: r.height } : undefined);
    try {
      validateRoiPolygon(id, shape, frame);
    } catch (e) {
      throw new RoiInputError(`${at}.points`, (e as Error).message);
    }
    let params: Record<string, unknown>;
    try {
      params = registry.validateParams(r.module, r.params ?? {});
    } catch (e) {
      throw new RoiInputError(`${at}.params`, (e as Error).message);
    }
    tasks.push({ id, name: r.name || id, module: r.module, points: shape, params });
  });
  return tasks;
}
