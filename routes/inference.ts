/** Inference job control on VisionROI's paths: start (or reconfigure), stop, status. */
import { Hono } from "hono";
import { z } from "zod";
import type { AppContext } from "./context.ts";
import { jsonBody } from "./sources.ts";
import { diskFullError, zodMessage } from "./errors.ts";
import { checkCamId, parseCamSettings } from "./streams.ts";
import type { StartRequest } from "../actors/jobs/job_system.ts";
import type { JobRoi } from "../actors/jobs/inference_job_actor.ts";
import { validateRois } from "../storage/roi_schema.ts";
import { type ModuleListing, moduleNamesOf } from "./rois.ts";
import { buildDashboard } from "../actors/jobs/dashboard.ts";
import { cameraHealth } from "../actors/cameras/camera_health.ts";

const nullableNumber = z.union([z.number(), z.string(), z.null()]).optional().transform(
  (v, ctx) => {
    if (v === undefined || v === null) return v;
    const n = typeof v === "number" ? v : Number(v);
    if (!Number.isFinite(n)) {
      ctx.addIssue({ code: "custom", message: "expected a number" });
      return z.NEVER;
    }
    return n;
  },
);

/** The job fields of a `/start_inference` body (camera settings are parsed separately). */
export const startInferenceSchema = z.object({
  rois: z.union([z.array(z.record(z.string(), z.unknown())), z.string(), z.null()]).optional(),
  group: z.string().nullable().optional(),
  interval: nullableNumber,
  result_timeout: nullableNumber,
  draw_page_boxes: z.union([z.boolean(), z.null()]).optional(),
  skip_unchanged: z.union([z.boolean(), z.null()]).optional(),
});

/**
 * Checks a job's ROI list with the one ROI validator `/save_roi` uses (so each accepts exactly what
 * the other accepts); messages say `Cannot use ROI "<id>": …`.
 */
export function checkJobRois(raw: unknown[], modules: ModuleListing): JobRoi[] {
  const entries = validateRois(raw, { modules: moduleNamesOf(modules), verb: "use" });
  return entries.map((entry) => ({ ...(entry as unknown as JobRoi), id: String(entry.id) }));
}

/** `/start_inference`, `/stop_inference`, `/inference_status`. */
export function inferenceRoutes(ctx: AppContext): Hono {
  const app = new Hono();
  const { jobs } = ctx;

  app.post("/start_inference/:cam_id", async (c) => {
    const camId = checkCamId(c.req.param("cam_id"));
    const body = await jsonBody(c.req.raw);
    const parsed = startInferenceSchema.safeParse(body);
    if (!parsed.success) throw new RangeError(zodMessage(parsed.error, body));
    const p = parsed.data;
    let rois: JobRoi[] | undefined;
    if (p.rois !== undefined && p.rois !== null) {
      const list = typeof p.rois === "string" ? parseRoiString(p.rois) : p.rois;
      rois = checkJobRois(list, ctx.modules);
    }
    const req: StartRequest = {
      settings: parseCamSettings(body),
      rois,
      group: "group" in body ? (p.group ?? null) : undefined,
      interval: "interval" in body ? (p.interval ?? null) : undefined,
      resultTimeout: "result_timeout" in body ? (p.result_timeout ?? null) : undefined,
      drawPageBoxes: p.draw_page_boxes ?? undefined,
      skipUnchanged: "skip_unchanged" in body ? (p.skip_unchanged ?? null) : undefined,
    };
    const answer = await jobs.start(camId, req);
    if (answer.status === "roi_running") {
      const message = `an ROI preview runs on cam_id ${camId}: stop it first (/stop_roi_stream)`;
      return c.json({ ...answer, message }, 400);
    }
    if (answer.status === "error") return c.json(answer, 400);
    return c.json(answer);
  });

  app.post("/stop_inference/:cam_id", async (c) => {
    const camId = checkCamId(c.req.param("cam_id"));
    try {
      return c.json(await jobs.stop(camId));
    } catch (err) {
      throw diskFullError(
        err,
        `job ${
          JSON.stringify(camId)
        } stopped, but not saved as stopped: it starts again after a restart`,
      ) ?? err;
    }
  });

  app.get("/inference_status/:cam_id", (c) => {
    const camId = checkCamId(c.req.param("cam_id"));
    // VisionROI's fields, then the camera's state and last error (camera_id, camera_status, …).
    return c.json({ ...jobs.status(camId), ...camIdHealth(ctx, camId) });
  });

  app.get("/api/jobs", (c) => c.json(jobs.camIds().map((id) => jobs.status(id))));

  app.get("/api/dashboard", (c) => c.json(buildDashboard(ctx)));

  return app;
}

function parseRoiString(text: string): unknown[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new RangeError(`invalid rois: not JSON (${(err as Error).message})`);
  }
  if (!Array.isArray(parsed)) throw new RangeError("invalid rois: expected a JSON array");
  return parsed;
}

/** The health of the camera a cam_id's job (or session) uses. */
function camIdHealth(ctx: AppContext, camId: string) {
  const id = ctx.jobs.config(camId)?.cameraId ?? ctx.sessions.cameraOf(camId);
  return cameraHealth(id, id ? ctx.cameras.view(id) : undefined);
}
