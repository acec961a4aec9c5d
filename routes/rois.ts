/**
 * ROI files on VisionROI's paths: `/save_roi`, `/load_roi/<name>`, `/load_roi_file`, `/groups`;
 * and the ROIs' PreValues (plausibility rules): `/api/rois/<source>/prevalues`,
 * `/api/rois/<source>/<roi_id>/prevalue`.
 */
import { Hono } from "hono";
import { z } from "zod";
import { NotFoundError } from "../storage/errors.ts";
import { parseNumber } from "../actors/results/plausibility_rules.ts";
import type { AppContext } from "./context.ts";
import { HttpError } from "./errors.ts";
import { jsonBody } from "./sources.ts";
import {
  allGroups,
  loadRoiFileAt,
  loadRois,
  type ModuleNames,
  RoiFileError,
} from "../storage/roi_store.ts";

/** Anything that lists module descriptors, such as the module registry. */
export interface ModuleListing {
  /** Every module, in the order the UI lists them. */
  list(): readonly { name: string }[];
  /** Checks a module's params, when the listing can (the registry). */
  validateParams?(name: string, params: unknown): unknown;
  /** VisionROI names that run on another module (the registry's `easy_ocr`, `trocr`). */
  aliases?(): readonly { name: string }[];
}

/** What the ROI routes need: the source folders and the modules (registry or plain names). */
export type RoiRouteContext = Pick<AppContext, "sources" | "state"> & {
  modules: ModuleNames | ModuleListing;
} & Partial<Pick<AppContext, "plausibility">>;

/** Body of `POST /api/rois/<source>/<roi_id>/prevalue`. */
export const PreValueBodySchema = z.object({
  value: z.union([z.number(), z.string()]).describe(
    "the new PreValue: a number, or text the numeric parse rule reads (`1 234,5`)",
  ),
});

/** Checks the body of a PreValue write; the message names the field and the value. */
export function parsePreValueBody(body: Record<string, unknown>): number {
  const v = body.value;
  const n = typeof v === "number" ? v : typeof v === "string" ? parseNumber(v) : undefined;
  if (n === undefined || !Number.isFinite(n)) {
    const shown = v === undefined ? "nothing" : JSON.stringify(v) ?? String(v);
    throw new RangeError(`invalid value ${shown}: expected a finite number`);
  }
  return n;
}

/** Adapts the registry (or anything with `list()`) to {@linkcode ModuleNames}; asked on each call. */
export function moduleNamesOf(modules: ModuleNames | ModuleListing): ModuleNames {
  if ("names" in modules && "has" in modules) return modules;
  const listing = modules as ModuleListing;
  const names = () => [
    ...listing.list().map((d) => d.name),
    ...(listing.aliases?.() ?? []).map((a) => a.name),
  ];
  return {
    names,
    has: (name) => names().includes(name),
    ...(listing.validateParams
      ? { validateParams: (name: string, params: unknown) => listing.validateParams!(name, params) }
      : {}),
  };
}

/** `/save_roi`, `/load_roi/:name`, `/load_roi_file`, `/groups`, `/inference_modules`. */
export function roiRoutes(ctx: RoiRouteContext): Hono {
  const app = new Hono();
  const { sources } = ctx;
  const modules = moduleNamesOf(ctx.modules);

  app.post("/save_roi", async (c) => {
    const body = await jsonBody(c.req.raw);
    if (!("rois" in body)) throw new RangeError("missing rois: expected an array of ROI entries");
    const path = c.req.query("path");
    let filename: string;
    if (path !== undefined) {
      filename = await ctx.state.saveRoiFileAt(path, body.rois, { modules });
    } else {
      if (body.source === undefined || body.source === null || body.source === "") {
        throw new RangeError("missing source");
      }
      if (typeof body.source !== "string") {
        throw new RangeError(`invalid source: expected a string, got ${typeof body.source}`);
      }
      filename = await ctx.state.saveRois(body.source, body.rois, { modules });
    }
    return c.json({ status: "saved", filename });
  });

  app.get("/load_roi/:name", async (c) => {
    return c.json(await fileErrorsAs500(() => loadRois(sources, c.req.param("name"))));
  });

  app.get("/load_roi_file", async (c) => {
    const raw = c.req.query("path");
    if (raw === undefined || raw.trim() === "") throw new RangeError("missing path");
    // VisionROI's UI sends `data_sources/<name>/<file>` (relative to its working directory).
    const rel = raw.replace(/^(\.\/)?data_sources\//, "");
    return c.json(await fileErrorsAs500(() => loadRoiFileAt(sources.dataDir, rel)));
  });

  app.get("/groups", async (c) => c.json(await allGroups(sources)));

  app.get("/inference_modules", (c) => c.json(modules.names()));

  const plausibility = ctx.plausibility;
  if (plausibility) {
    app.get("/api/rois/:source/prevalues", async (c) => {
      const source = c.req.param("source");
      const { rois } = await fileErrorsAs500(() => loadRois(sources, source));
      const ids = new Set(rois.map((r) => String((r as { id?: unknown }).id)));
      const list = plausibility.list(source).filter((p) => ids.has(p.roi_id));
      return c.json({ source, rois: list });
    });

    app.get("/api/rois/:source/:roi_id/prevalue", async (c) => {
      const { source, roiId } = await knownRoi(c.req.param("source"), c.req.param("roi_id"));
      return c.json(plausibility.get(source, roiId) ?? emptyPreValue(source, roiId));
    });

    app.post("/api/rois/:source/:roi_id/prevalue", async (c) => {
      const value = parsePreValueBody(await jsonBody(c.req.raw));
      const { source, roiId } = await knownRoi(c.req.param("source"), c.req.param("roi_id"));
      return c.json(await plausibility.setPreValue(source, roiId, value));
    });
  }

  /** The source and a `type:"roi"` entry of its saved set, or a 404 naming which is unknown. */
  async function knownRoi(source: string, roiId: string) {
    const { rois } = await fileErrorsAs500(() => loadRois(sources, source));
    const found = rois.some((r) => {
      const e = r as { id?: unknown; type?: unknown };
      return String(e.id) === roiId && (e.type ?? "roi") === "roi";
    });
    if (!found) {
      throw new NotFoundError(
        `no ROI ${JSON.stringify(roiId)} in source ${JSON.stringify(source)}`,
      );
    }
    return { source, roiId };
  }

  return app;
}

/** The answer for a known ROI that has no PreValue yet. */
function emptyPreValue(source: string, roiId: string) {
  return { source, roi_id: roiId, value: null, time: null, pending: null, last: null };
}

/** A ROI file on disk that cannot be read is the server's problem: 500 with the reason. */
async function fileErrorsAs500<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof RoiFileError) throw new HttpError(500, err.message);
    throw err;
  }
}
