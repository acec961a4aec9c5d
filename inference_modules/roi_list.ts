/**
 * Parses a list of ROIs in VisionROI's `rois.json` format for one-shot reads (API and CLI):
 * `id`, `name`, `module`, `points` (or a legacy `{x,y,width,height}` rectangle), optional `params`.
 * Entries whose `type` is set to anything but "roi" (page templates) are skipped, as VisionROI's
 * server does; unknown extra fields (a fixture's `expected`) are ignored.
 */
import type { RoiTask } from "./pool_types.ts";
import type { ModuleRegistry } from "./registry.ts";
import { type FrameSize, validateRoiPolygon } from "./roi_polygon.ts";
import { InputError } from "../storage/errors.ts";
import { RoiValidationError, validateRois } from "../storage/roi_schema.ts";

/** A ROI list entry that cannot be read; `field` is its JSON path (`rois[2].module`). */
export class RoiInputError extends InputError {
  override name = "RoiInputError";

  /** `message` should name the value; it is prefixed with the field. */
  constructor(field: string, message: string) {
    super(field, `${field}: ${message}`);
  }
}

/** Accepts an array, or an object with a `rois` array (the fixtures' layout). */
function entries(json: unknown): unknown[] {
  if (Array.isArray(json)) return json;
  if (json && typeof json === "object" && Array.isArray((json as { rois?: unknown }).rois)) {
    return (json as { rois: unknown[] }).rois;
  }
  throw new RoiInputError("rois", `must be an array of ROI objects, got ${typeof json}`);
}

/**
 * Validates every ROI with the one ROI validator (`validateRois`, as `/save_roi` and
 * `/start_inference` do), then what only a read needs now: every ROI has a module, and its polygon
 * lies inside `frame` when given. Returns the tasks in input order (page entries skipped, params
 * with their defaults). Throws {@linkcode RoiInputError}.
 */
export function parseRoiList(
  json: unknown,
  opts: { registry: ModuleRegistry; frame?: FrameSize },
): RoiTask[] {
  const { registry, frame } = opts;
  const list = entries(json);
  let checked;
  try {
    checked = validateRois(list, {
      modules: {
        has: (name) => registry.get(name) !== undefined,
        names: () => [...registry.list(), ...registry.aliases()].map((d) => d.name),
        validateParams: (name, params) => registry.validateParams(name, params),
      },
    });
  } catch (err) {
    if (!(err instanceof RoiValidationError)) throw err;
    const at = err.index === undefined ? "rois" : `rois[${err.index}]`;
    const field = err.field === "rois" ? at : `${at}.${err.field}`;
    const named = err.field === "module" || err.field === "params" || err.roiId === undefined;
    throw new RoiInputError(field, named ? err.problem : `ROI "${err.roiId}": ${err.problem}`);
  }
  const tasks: RoiTask[] = [];
  checked.forEach((r, i) => {
    if (r.type !== "roi") return;
    const at = `rois[${i}]`;
    const id = String(r.id);
    const module = typeof r.module === "string" ? r.module : "";
    if (!module) throw new RoiInputError(`${at}.module`, `ROI "${id}" has no module`);
    try {
      validateRoiPolygon(id, r.points, frame);
    } catch (e) {
      throw new RoiInputError(`${at}.points`, (e as Error).message);
    }
    const params = registry.validateParams(module, r.params ?? {});
    const name = typeof r.name === "string" && r.name ? r.name : id;
    tasks.push({ id, name, module, points: r.points, params });
  });
  return tasks;
}
