/**
 * `POST /api/batch`: the queue limit first (429), then the body streamed into a temp folder (413
 * past the limit), the fields and ROIs validated, the media probed; only then the folder becomes
 * `uploads/<task_id>/` and the task is queued. Any failure removes the temp folder.
 */
import { z } from "zod";
import type { AppContext } from "./context.ts";
import { HttpError } from "./errors.ts";
import type { Identity } from "./auth.ts";
import { receiveUpload, type Upload } from "./multipart_upload.ts";
import { type MediaPlan, prepareMedia } from "../actors/batch/batch_media.ts";
import type { BatchTask } from "../storage/batch_db.ts";
import { loadRois } from "../storage/roi_store.ts";
import { NotFoundError } from "../storage/errors.ts";
import { parseRoiList, RoiInputError } from "../inference_modules/roi_list.ts";
import type { RoiTask } from "../inference_modules/pool_types.ts";

/** The text fields of a batch upload (the `file` parts come beside them). */
export const batchUploadFields = z.object({
  source: z.string().min(1).max(100).optional().describe("source whose saved ROIs are read"),
  rois: z.string().optional().describe("ROI list as JSON (VisionROI rois.json entries)"),
  group: z.string().max(100).optional().describe("read only the ROIs of this group"),
  every_n_frames: z.coerce.number().int().min(1).max(1_000_000).optional()
    .describe("read every Nth frame [1]"),
  fps: z.coerce.number().positive().max(1000).optional()
    .describe("read this many frames per second of video instead"),
  name: z.string().max(200).optional().describe("a label [the file name]"),
});

/** The multipart body as the OpenAPI document shows it. */
export const batchUploadBody = batchUploadFields.extend({
  file: z.string().describe("one video, one or more images, or a zip of images (binary)"),
});

/** Receives, validates and queues an upload; returns the stored task. */
export async function createTask(
  ctx: AppContext,
  req: Request,
  who: Identity,
): Promise<BatchTask> {
  const { batch, config } = ctx;
  const full = () => batch.queued() >= config.maxQueued;
  if (full()) throw queueFull(config.maxQueued);
  const id = crypto.randomUUID();
  const tmp = batch.tempDir(id);
  try {
    const upload = await receiveUpload(req, { dir: tmp, maxBytes: config.maxUploadBytes });
    const fields = parseFields(upload);
    const parts = upload.files.filter((f) => f.field === "file");
    const plan = await prepareMedia(tmp, parts, { maxUnpackedBytes: 2 * config.maxUploadBytes });
    const rois = await roisOf(ctx, fields, plan);
    if (full()) throw queueFull(config.maxQueued);
    return await batch.submit({
      id,
      owner: who.owner,
      name: fields.name ?? parts[0]?.filename ?? id,
      source: fields.source ?? "",
      group_name: fields.group ?? "",
      rois: JSON.stringify(rois),
      kind: plan.kind,
      files: JSON.stringify(plan.files),
      dir: `${batch.uploadsDir}/${id}`,
      bytes: upload.bytes,
      every_n_frames: fields.every_n_frames ?? 1,
      fps: fields.fps ?? null,
      video_fps: plan.videoFps,
      width: plan.width,
      height: plan.height,
      frames_expected: expectedFrames(plan, fields),
      created_at: Date.now() / 1000,
    });
  } catch (err) {
    await Deno.remove(tmp, { recursive: true }).catch((e) => {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    });
    throw err;
  }
}

type Fields = z.infer<typeof batchUploadFields>;

function parseFields(upload: Upload): Fields {
  const fields = batchUploadFields.parse(upload.fields);
  if (fields.every_n_frames !== undefined && fields.fps !== undefined) {
    throw new RangeError(
      `invalid fps ${fields.fps}: give every_n_frames (${fields.every_n_frames}) or fps, not both`,
    );
  }
  if (fields.source === undefined && fields.rois === undefined) {
    throw new RangeError("invalid source: give source (saved ROIs) or rois (JSON)");
  }
  return fields;
}

/** The frames the plan yields: every Nth of the video, the video resampled to fps, or each image. */
export function expectedFrames(plan: MediaPlan, f: Pick<Fields, "every_n_frames" | "fps">): number {
  if (plan.kind === "images") return plan.frames;
  if (f.fps) return Math.max(1, Math.round(plan.duration * f.fps));
  return Math.max(1, Math.ceil(plan.frames / (f.every_n_frames ?? 1)));
}

async function roisOf(ctx: AppContext, f: Fields, plan: MediaPlan): Promise<RoiTask[]> {
  let list: unknown[];
  if (f.rois !== undefined) {
    let json: unknown;
    try {
      json = JSON.parse(f.rois);
    } catch (err) {
      throw new RangeError(`invalid rois: not JSON (${(err as Error).message})`);
    }
    const inner = (json as { rois?: unknown } | null)?.rois;
    if (Array.isArray(json)) list = json;
    else if (Array.isArray(inner)) list = inner;
    else throw new RangeError("invalid rois: expected a JSON array of ROI objects");
  } else {
    try {
      list = (await loadRois(ctx.sources, f.source!)).rois;
    } catch (err) {
      if (err instanceof NotFoundError) {
        throw new RangeError(`invalid source ${JSON.stringify(f.source)}: no such source`);
      }
      throw err;
    }
  }
  if (f.group && f.group !== "all") {
    list = list.filter((r) => (r as { group?: unknown }).group === f.group);
  }
  let tasks: RoiTask[];
  try {
    tasks = parseRoiList(list, { registry: ctx.modules, frame: plan });
  } catch (err) {
    if (err instanceof RoiInputError) throw new RangeError(`invalid ${err.message}`);
    throw err;
  }
  if (tasks.length === 0) {
    const where = f.source !== undefined ? `source ${JSON.stringify(f.source)}` : "rois";
    throw new RangeError(
      `invalid rois: ${where} has no ROI to read${f.group ? ` in group "${f.group}"` : ""}`,
    );
  }
  return tasks;
}

function queueFull(max: number): HttpError {
  return new HttpError(429, `too many queued batch tasks (limit ${max}, --max-queued)`);
}
