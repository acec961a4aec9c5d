/**
 * VisionROI's `rois.json` entries: zod schemas (shared with the OpenAPI document), the load-time
 * normalisation (ids, default `type`, legacy rectangles) and the save-time validator whose messages
 * name the ROI and the field: `Cannot save ROI "3": points must have 4 corners, got 2`.
 */
import { z } from "zod";
import { InputError } from "./errors.ts";
import { validateRoiPolygon } from "../inference_modules/roi_polygon.ts";
import { RoiRulesSchema } from "./roi_rules_schema.ts";

/** An id: a finite number, or a string without `/`, `\`, `#`, `+` or control characters. */
export const RoiIdSchema = z.union([
  z.string().min(1).max(200).regex(
    // deno-lint-ignore no-control-regex
    /^[^/\\#+\u0000-\u001f\u007f]+$/,
    "must not contain / \\ # + or control characters",
  ),
  z.number(),
]);

/** One corner in frame pixels at capture resolution; extra keys are kept. */
export const RoiPointSchema = z.object({ x: z.number(), y: z.number() }).loose();

/** Exactly four corners, TL, TR, BR, BL as far as the warp is concerned. */
export const RoiPointsSchema = z.array(RoiPointSchema).length(4);

const label = z.string().max(200).nullable().optional();

/** A `type:"roi"` entry; unknown fields are kept as they are. */
export const RoiEntrySchema = z.object({
  id: RoiIdSchema,
  type: z.literal("roi"),
  group: label,
  module: z.string().max(64).nullable().optional(),
  name: label,
  mqtt_config: label,
  points: RoiPointsSchema,
  params: z.record(z.string(), z.unknown()).optional(),
  save_crop: z.boolean().optional(),
  rules: RoiRulesSchema.nullable().optional(),
  /** Reuse the last reading while the crop does not change (`cached: true` in results). */
  skip_unchanged: z.boolean().optional(),
}).loose();

/** A `type:"page"` entry: a page template (`image`, base64 JPEG of the crop, or null). */
export const PageEntrySchema = z.object({
  id: RoiIdSchema,
  type: z.literal("page"),
  page: z.string().max(200),
  name: label,
  image: z.string().nullable().optional(),
  points: RoiPointsSchema,
}).loose();

/** Any other `type`: kept as it is, and ignored by jobs. */
export const OtherEntrySchema = z.object({ id: RoiIdSchema, type: z.string() }).loose();

/** One entry of `rois.json` after normalisation. */
export const RoiFileEntrySchema = z.union([RoiEntrySchema, PageEntrySchema, OtherEntrySchema]);

/** The whole `rois.json`: a JSON array. */
export const RoiFileSchema = z.array(RoiFileEntrySchema);

/** Body of `POST /save_roi`. */
export const SaveRoiBodySchema = z.object({ source: z.string().optional(), rois: RoiFileSchema });

/** Answer of `POST /save_roi`: `filename` is relative to the data dir (`demo/rois.json`). */
export const SaveRoiAnswerSchema = z.object({ status: z.literal("saved"), filename: z.string() });

/** Answer of `GET /load_roi/<name>` (`filename` = the config's `rois`) and `/load_roi_file`. */
export const LoadRoiAnswerSchema = z.object({ rois: z.array(z.unknown()), filename: z.string() });

/** Answer of `GET /groups` and `GET /inference_modules`: sorted / registry-ordered names. */
export const NameListSchema = z.array(z.string());

/** A `type:"roi"` entry. */
export type RoiEntry = z.infer<typeof RoiEntrySchema>;
/** A `type:"page"` entry. */
export type PageEntry = z.infer<typeof PageEntrySchema>;
/** Any entry of `rois.json`. */
export type RoiFileEntry = z.infer<typeof RoiFileEntrySchema>;

/** The most entries one file may hold. */
export const MAX_ROI_ENTRIES = 2000;

/** What the validator needs from the module registry. */
export interface ModuleNames {
  /** Whether a module of this name is registered. */
  has(name: string): boolean;
  /** Every registered module name. */
  names(): string[];
  /** Checks a module's params (the registry's schema); throws a RangeError naming the field. */
  validateParams?(name: string, params: unknown): unknown;
}

/** A ROI list that cannot be saved; the message names the ROI and the field. */
export class RoiValidationError extends InputError {
  override name = "RoiValidationError";
  /** The entry's id (as a string), when it has one. */
  readonly roiId: string | undefined;
  /** Index of the entry at fault in the list, when the fault is in one entry. */
  readonly index: number | undefined;
  /** What was said before the problem (for callers that word it their own way). */
  readonly problem: string;

  /** `problem` is appended to `Cannot <verb> ROI "<id>": `. */
  constructor(
    roiId: string | undefined,
    field: string,
    problem: string,
    opts: { verb?: string; index?: number } = {},
  ) {
    super(
      field,
      `Cannot ${opts.verb ?? "save"} ${
        roiId === undefined ? "ROIs" : `ROI ${JSON.stringify(roiId)}`
      }: ${problem}`,
    );
    this.roiId = roiId;
    this.index = opts.index;
    this.problem = problem;
  }
}

type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/**
 * Normalises one entry as VisionROI's loaders do, keeping every other field: a missing `id` gets
 * `String(index + 1)` (ensure_roi_ids), a missing `type` becomes `"roi"`, and a legacy
 * `{x, y, width, height}` rectangle without `points` becomes 4 points (TL, TR, BR, BL). Entries that
 * are not objects are returned unchanged.
 */
export function normaliseEntry(entry: unknown, index: number): unknown {
  if (!isObject(entry)) return entry;
  const out: Obj = { ...entry };
  if (!("id" in out)) out.id = String(index + 1);
  if (out.type === undefined) out.type = "roi";
  if (out.points === undefined && isRect(out)) {
    const { x, y, width: w, height: h } = out as {
      x: number;
      y: number;
      width: number;
      height: number;
    };
    out.points = [{ x, y }, { x: x + w, y }, { x: x + w, y: y + h }, { x, y: y + h }];
    for (const k of ["x", "y", "width", "height"]) delete out[k];
  }
  return out;
}

function isRect(o: Obj): boolean {
  return ["x", "y", "width", "height"].every((k) =>
    typeof o[k] === "number" && Number.isFinite(o[k])
  ) && (o.width as number) > 0 && (o.height as number) > 0;
}

/** Normalises every entry of a loaded file (see {@linkcode normaliseEntry}); never throws. */
export function normaliseRois(list: readonly unknown[]): unknown[] {
  return list.map((e, i) => normaliseEntry(e, i));
}

function describe(v: unknown): string {
  if (v === undefined) return "nothing";
  if (typeof v === "number") return String(v);
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 60)}…` : s;
}

/** Options of {@linkcode validateRois}. */
export interface ValidateOptions {
  /**
   * Registry names; when given, a ROI's `module` must be "" or one of them, and its `params` must
   * pass the module's schema (when the registry can check them). Default: unchecked.
   */
  modules?: ModuleNames;
  /** The verb of messages: `Cannot save ROI …` (default) or `Cannot use ROI …`. */
  verb?: string;
}

/**
 * THE ROI validator: `/save_roi`, `/start_inference`, one-shot reads and batches all call it, so
 * whatever one accepts the others accept. Normalises and checks a ROI list: an array of at most
 * {@linkcode MAX_ROI_ENTRIES} objects; ROI and page entries have 4 corners with finite `x`, `y` that
 * form a convex, non-degenerate, not self-crossing quadrilateral; fields have their types; a ROI's
 * module is known and its params pass the module's schema; ids are unique. Whether the corners lie
 * inside the frame is not checked here: the frame size is only known when a frame is read (see
 * `validateRoiPolygon` with a frame). Throws {@linkcode RoiValidationError} at the first problem.
 */
export function validateRois(raw: unknown, opts: ValidateOptions = {}): RoiFileEntry[] {
  const verb = opts.verb;
  if (!Array.isArray(raw)) {
    throw new RoiValidationError(undefined, "rois", `rois must be an array, got ${describe(raw)}`, {
      verb,
    });
  }
  if (raw.length > MAX_ROI_ENTRIES) {
    throw new RoiValidationError(
      undefined,
      "rois",
      `at most ${MAX_ROI_ENTRIES} entries, got ${raw.length}`,
      { verb },
    );
  }
  const seen = new Map<string, number>();
  return raw.map((item, i) => {
    const entry = normaliseEntry(item, i);
    if (!isObject(entry)) {
      throw new RoiValidationError(
        undefined,
        "rois",
        `entry ${i + 1} must be an object, got ${describe(entry)}`,
        { verb, index: i },
      );
    }
    const id = typeof entry.id === "string" || typeof entry.id === "number"
      ? String(entry.id)
      : undefined;
    const checked = checkEntry(entry, id, opts, i);
    const key = String(checked.id);
    const first = seen.get(key);
    if (first !== undefined) {
      throw new RoiValidationError(
        key,
        "id",
        `duplicate id, also used by entry ${first + 1} (ids must be unique)`,
        { verb, index: i },
      );
    }
    seen.set(key, i);
    return checked;
  });
}

function checkEntry(
  entry: Obj,
  id: string | undefined,
  opts: ValidateOptions,
  index: number,
): RoiFileEntry {
  const fail = (field: string, problem: string): never => {
    throw new RoiValidationError(id, field, problem, { verb: opts.verb, index });
  };
  if (entry.type === "roi" || entry.type === "page") checkPoints(entry, fail);
  const schema = entry.type === "roi"
    ? RoiEntrySchema
    : entry.type === "page"
    ? PageEntrySchema
    : OtherEntrySchema;
  const parsed = schema.safeParse(entry);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue.path.map(String).join(".") || "entry";
    let value: unknown = entry;
    for (const k of issue.path) value = isObject(value) ? value[k as string] : undefined;
    fail(path, `invalid ${path} ${describe(value)}: ${issue.message}`);
  }
  const module = entry.module;
  if (entry.type === "roi" && typeof module === "string" && module !== "" && opts.modules) {
    if (!opts.modules.has(module)) {
      const known = opts.modules.names().join(", ");
      fail("module", `unknown module ${JSON.stringify(module)} (known: ${known || "none"})`);
    }
    if (opts.modules.validateParams) {
      try {
        opts.modules.validateParams(module, entry.params ?? {});
      } catch (err) {
        fail("params", (err as Error).message);
      }
    }
  }
  if (entry.type === "roi" || entry.type === "page") {
    try {
      validateRoiPolygon(id ?? String(index + 1), entry.points);
    } catch (err) {
      fail("points", (err as Error).message.replace(/^ROI "[^"]*": /, ""));
    }
  }
  // The input itself, not zod's copy: that would reorder the keys users see in their file.
  return entry as RoiFileEntry;
}

function checkPoints(entry: Obj, fail: (field: string, problem: string) => never): void {
  const points = entry.points;
  if ("width" in entry && points === undefined) {
    fail("points", `rectangle needs finite x, y and a positive width and height`);
  }
  if (!Array.isArray(points)) {
    fail("points", `points must be an array of 4 {x, y} corners, got ${describe(points)}`);
  }
  const list = points as unknown[];
  if (list.length !== 4) fail("points", `points must have 4 corners, got ${list.length}`);
  list.forEach((p, i) => {
    if (!isObject(p)) fail(`points.${i}`, `corner ${i + 1} must be {x, y}, got ${describe(p)}`);
    for (const k of ["x", "y"] as const) {
      const v = (p as Obj)[k];
      if (typeof v !== "number" || !Number.isFinite(v)) {
        fail(
          `points.${i}.${k}`,
          `corner ${i + 1} ${k} must be a finite number, got ${describe(v)}`,
        );
      }
    }
  });
}
