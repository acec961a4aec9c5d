/** Source CRUD on VisionROI's paths: `data_sources/<name>/config.json`. */
import { Hono } from "hono";
import type { AppContext } from "./context.ts";
import {
  checkFps,
  checkSourceString,
  checkStreamType,
  specFromConfig,
} from "../actors/frame_sources/source_spec.ts";
import type { SourceListItem } from "../storage/source_store.ts";
import { keepRedactedSecrets, redactUrl } from "../actors/frame_sources/redact.ts";
import { cameraIdFor } from "../actors/cameras/camera_key.ts";

/**
 * `/data_sources`, `/source_list`, `/source_config`, `/create_source`, update/rename/delete.
 * Passwords in source URLs are stored but never read back (`rtsp://admin:***@host`).
 */
export function sourceRoutes(ctx: AppContext): Hono {
  const app = new Hono();
  const { sources, sessions, state } = ctx;

  app.get("/data_sources", async (c) => c.json(await sources.names()));

  app.get("/source_list", async (c) => {
    const rows = await sources.list();
    return c.json(
      rows.map((r) => ({ ...r, source: redactUrl(r.source), camera: cameraSummary(ctx, r) })),
    );
  });

  app.get("/source_config", async (c) => {
    const cfg = await sources.get(c.req.query("name") ?? "");
    if (!cfg) return c.json({ status: "error", message: "not found" }, 404);
    return c.json(typeof cfg.source === "string" ? { ...cfg, source: redactUrl(cfg.source) } : cfg);
  });

  app.post("/create_source", async (c) => {
    const form = await readForm(c.req.raw);
    const name = form.get("name");
    const source = form.get("source");
    if (!name?.trim() || !source?.trim()) {
      return c.json({
        status: "error",
        message: `missing data: ${!name?.trim() ? "name" : "source"} is required`,
      }, 400);
    }
    await state.createSource({
      name,
      source,
      width: form.get("width"),
      height: form.get("height"),
      stream_type: form.get("stream_type") || undefined,
      fps: form.get("fps"),
    });
    return c.json({ status: "created" });
  });

  app.delete("/delete_source/:name", async (c) => {
    const name = c.req.param("name");
    await sources.require(name);
    await state.deleteSource(name);
    await sessions.dropSource(name.trim());
    return c.json({ status: "deleted" });
  });

  app.patch("/update_stream_type/:name", async (c) => {
    const name = c.req.param("name");
    await sources.require(name);
    const body = await jsonBody(c.req.raw);
    await state.updateSource(name, { stream_type: checkStreamType(body.stream_type) });
    await moveToNewCapture(ctx, name.trim());
    return c.json({ status: "updated" });
  });

  app.patch("/update_source/:name", async (c) => {
    const name = c.req.param("name");
    const stored = await sources.require(name);
    const body = await jsonBody(c.req.raw);
    const hasFps = "fps" in body;
    const noSource = body.source === undefined || body.source === null || body.source === "";
    if (noSource && !hasFps) {
      return c.json({ status: "error", message: "missing source" }, 400);
    }
    // `fps`: a number 0.1..60, or null/"" for the source's default; checked before anything is saved.
    const patch: { source?: string; fps?: number } = hasFps ? { fps: checkFps(body.fps) } : {};
    // The redacted form the API shows (`rtsp://admin:***@host`) keeps the stored password.
    if (!noSource) {
      patch.source = keepRedactedSecrets(
        checkSourceString(body.source),
        String(stored.source ?? ""),
      );
    }
    await state.updateSource(name, patch);
    await moveToNewCapture(ctx, name.trim());
    return c.json({ status: "updated" });
  });

  app.patch("/rename_source/:name", async (c) => {
    const oldName = c.req.param("name").trim();
    const body = await jsonBody(c.req.raw);
    const raw = typeof body.name === "string" ? body.name.trim() : body.name;
    if (raw === undefined || raw === null || raw === "") {
      return c.json({ status: "error", message: "missing name" }, 400);
    }
    if (raw === oldName) return c.json({ status: "unchanged" });
    await sources.require(oldName);
    const newName = await state.renameSource(oldName, raw);
    await sessions.renameSource(oldName, newName);
    return c.json({ status: "renamed", name: newName });
  });

  return app;
}

/** A saved source's capture changed: its previews and jobs move to the camera of the new capture. */
async function moveToNewCapture(ctx: AppContext, name: string): Promise<void> {
  for (const camId of await ctx.sessions.sourceChanged(name)) await ctx.jobs.start(camId, {});
}

/** The state of the camera that captures a source row's config (cameras are keyed by capture). */
function cameraSummary(ctx: AppContext, row: SourceListItem) {
  const spec = specFromConfig({
    ...row,
    width: row.width ?? undefined,
    height: row.height ?? undefined,
    fps: row.fps ?? undefined,
  });
  const v = ctx.cameras.view(cameraIdFor(spec));
  if (!v) return { status: "stopped" };
  return { status: v.status, fps: v.fps, last_error: v.lastError, restarts: v.restarts };
}

/** Reads a urlencoded or multipart form; anything else is an empty form (→ "missing data"). */
async function readForm(req: Request): Promise<Map<string, string>> {
  const type = req.headers.get("content-type") ?? "";
  const out = new Map<string, string>();
  if (!type.includes("form")) return out;
  let form: FormData;
  try {
    form = await req.formData();
  } catch (err) {
    // Deno's parser throws a TypeError for a broken body or a part name with NUL: bad input.
    if (err instanceof TypeError) throw new RangeError(`invalid form body: ${err.message}`);
    throw err;
  }
  for (const [k, v] of form.entries()) if (typeof v === "string") out.set(k, v);
  return out;
}

/**
 * A JSON object body; an empty body reads as `{}`. A body of another content type is refused
 * (VisionROI read it as `{}`, which let cross-site form posts drive the API); malformed JSON → 400.
 */
export async function jsonBody(req: Request): Promise<Record<string, unknown>> {
  const text = await req.text();
  if (text.trim() === "") return {};
  const type = req.headers.get("content-type") ?? "";
  if (!type.includes("json")) {
    throw new RangeError(`invalid content-type ${JSON.stringify(type)}: expected application/json`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new SyntaxError(`malformed JSON body: ${(err as Error).message}`);
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new RangeError("invalid body: expected a JSON object");
  }
  return parsed as Record<string, unknown>;
}
