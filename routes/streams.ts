/** Camera preview control and snapshots on VisionROI's paths, plus `/api/cameras`. */
import { Hono } from "hono";
import { z } from "zod";
import type { AppContext } from "./context.ts";
import { jsonBody } from "./sources.ts";
import { HttpError, zodMessage } from "./errors.ts";
import { checkSourceString } from "../storage/source_store.ts";
import { checkSourceName } from "../storage/safe_name.ts";
import { type CamSettings, specFromConfig } from "../actors/cameras/stream_sessions.ts";
import { frameJpeg } from "../actors/cameras/frame_jpeg.ts";
import { redactSpec } from "../actors/frame_sources/redact.ts";

const CAM_ID = /^[\p{L}\p{M}\p{N}_.:@-]{1,100}$/u;

/** Checks a cam_id from the URL (letters with their marks, digits and `_.:@-`; not `.` or `..`). */
export function checkCamId(raw: string): string {
  if (!CAM_ID.test(raw) || raw === "." || raw === "..") {
    throw new RangeError(`invalid cam_id ${JSON.stringify(raw)}`);
  }
  return raw;
}

const dimension = z.union([z.number(), z.string(), z.null()]).optional().transform((v, ctx) => {
  if (v === null || v === undefined || v === "") return undefined;
  const n = typeof v === "number" ? v : Number(v.trim());
  if (!Number.isInteger(n) || n < 1 || n > 8192) {
    ctx.addIssue({ code: "custom", message: "expected an integer 1..8192" });
    return z.NEVER;
  }
  return n;
});

/** VisionROI's camera-settings body (`/start_roi_stream`, `/start_inference`). */
export const camSettingsSchema = z.object({
  name: z.string().nullable().optional(),
  source: z.union([z.string(), z.number()]).optional(),
  width: dimension,
  height: dimension,
  stream_type: z.enum(["opencv", "ffmpeg"]).optional(),
  low_latency: z.unknown().optional(),
});

/**
 * VisionROI's `low_latency` (Python `bool()` of the value): booleans, 0/1 and the words
 * `true`/`false`/`1`/`0` (so `"false"` is false here, unlike VisionROI); null or absent is undefined.
 */
export function parseLowLatency(raw: unknown): boolean | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw === "boolean") return raw;
  if (raw === 0 || raw === 1) return raw === 1;
  const word = typeof raw === "string" ? raw.trim().toLowerCase() : undefined;
  if (word === "true" || word === "1") return true;
  if (word === "false" || word === "0" || word === "") return false;
  throw new RangeError(
    `invalid low_latency ${JSON.stringify(raw)}: expected true or false`,
  );
}

/** Parses VisionROI's camera-settings body; undefined when it carries none. */
export function parseCamSettings(body: Record<string, unknown>): CamSettings | undefined {
  const parsed = camSettingsSchema.safeParse(body);
  if (!parsed.success) throw new RangeError(zodMessage(parsed.error, body));
  const s = parsed.data;
  const settings: CamSettings = {
    name: s.name?.trim() ? checkSourceName(s.name) : undefined,
    source: s.source !== undefined && String(s.source).trim() !== ""
      ? checkSourceString(String(s.source))
      : undefined,
    width: s.width,
    height: s.height,
    stream_type: s.stream_type,
    low_latency: parseLowLatency(s.low_latency),
  };
  return Object.values(settings).some((v) => v !== undefined) ? settings : undefined;
}

/**
 * `/start_roi_stream`, `/stop_roi_stream`, `/roi_stream_heartbeat`, `/roi_stream_status`,
 * `/ws_snapshot`, `/api/cameras`.
 */
export function streamRoutes(ctx: AppContext): Hono {
  const app = new Hono();
  const { sessions, cameras } = ctx;

  app.post("/start_roi_stream/:cam_id", async (c) => {
    const camId = checkCamId(c.req.param("cam_id"));
    const settings = parseCamSettings(await jsonBody(c.req.raw));
    if (ctx.jobs.status(camId).running) {
      const message = `an inference job runs on cam_id ${camId}: stop it first (/stop_inference)`;
      return c.json({ status: "inference_running", cam_id: camId, message }, 400);
    }
    const answer = await sessions.startPreview(camId, settings);
    if (answer.status === "error") {
      return c.json({ status: "error", message: answer.message, cam_id: camId }, 400);
    }
    return c.json({ ...answer, camera: answer.camera && redactSpec(answer.camera) });
  });

  app.post("/stop_roi_stream/:cam_id", async (c) => {
    const camId = checkCamId(c.req.param("cam_id"));
    return c.json(await sessions.stopPreview(camId));
  });

  app.post("/roi_stream_heartbeat/:cam_id", async (c) => {
    const camId = checkCamId(c.req.param("cam_id"));
    const lease = await sessions.heartbeat(camId);
    if (!lease) return c.json({ status: "no_task", cam_id: camId }, 404);
    return c.json({ status: "held", ...lease });
  });

  app.get("/roi_stream_status/:cam_id", (c) => {
    const camId = checkCamId(c.req.param("cam_id"));
    const cameraId = sessions.cameraOf(camId);
    const view = cameraId ? cameras.view(cameraId) : undefined;
    return c.json({
      ...sessions.previewStatus(camId),
      lease: sessions.lease(camId) ?? null,
      camera: view && redactSpec(view),
    });
  });

  app.get("/ws_snapshot/:cam_id", async (c) => {
    const camId = checkCamId(c.req.param("cam_id"));
    const cameraId = await snapshotCamera(ctx, camId);
    if (!cameraId) return c.text("Camera not initialized", 400);
    const frame = await cameras.frame(cameraId, { timeoutMs: 5_000 });
    if (!frame) {
      const view = cameras.view(cameraId);
      // VisionROI's exact body; the camera's reason, when it has one, travels in a header.
      const msg = view?.lastFrameTime ? "Camera timeout" : "Camera not ready";
      const reason: Record<string, string> = view?.lastError
        ? { [CAMERA_ERROR_HEADER]: headerSafe(view.lastError) }
        : {};
      return c.text(msg, 503, reason);
    }
    const jpeg = await frameJpeg(frame);
    return c.body(jpeg as Uint8Array<ArrayBuffer>, 200, {
      "content-type": "image/jpeg",
      "cache-control": "no-store",
      "x-frame-seq": String(frame.seq),
      "x-frame-time": String(frame.time),
    });
  });

  app.get("/api/cameras", (c) => c.json(cameras.views().map(redactSpec)));

  app.get("/api/cameras/:id", (c) => {
    const view = cameras.view(c.req.param("id"));
    if (!view) throw new HttpError(404, `camera ${JSON.stringify(c.req.param("id"))} not found`);
    return c.json(redactSpec(view));
  });

  return app;
}

/** Response header of a 503 `/ws_snapshot` that says why the camera gives no frame. */
export const CAMERA_ERROR_HEADER = "x-camera-error";

/** A reason fit for a header value: one line of printable ASCII, at most 500 characters. */
function headerSafe(text: string): string {
  return text.replace(/[^\x20-\x7e]+/g, " ").trim().slice(0, 500);
}

/** The camera a snapshot of `camId` reads: the session's, or a saved source woken on demand. */
async function snapshotCamera(ctx: AppContext, camId: string): Promise<string | undefined> {
  const bound = ctx.sessions.cameraOf(camId);
  if (bound && ctx.cameras.supervisor.status(bound)) return bound;
  if (bound) return (await ctx.cameras.wake(bound)) ? bound : undefined;
  let saved;
  try {
    saved = await ctx.sources.get(camId);
  } catch (err) {
    if (err instanceof RangeError) return undefined; // a cam_id that cannot be a source name
    throw err;
  }
  if (!saved) return undefined;
  const id = ctx.cameras.register(specFromConfig(saved));
  return (await ctx.cameras.wake(id)) ? id : undefined;
}
