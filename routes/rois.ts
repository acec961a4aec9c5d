/** ROI files on VisionROI's paths: `/save_roi`, `/load_roi/<name>`, `/load_roi_file`, `/groups`. */
import { Hono } from "hono";
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
};

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

  return app;
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
