/**
 * `POST /api/read`: read the ROIs of one uploaded image. Multipart (`image` file + `rois` JSON
 * text) or JSON (`{"image": "<base64>", "rois": [...]}`). Answers VisionROI-style results in the
 * order of `rois`; bad input is a 400/413/422 naming the field.
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { z } from "zod";
import { decodeBase64 } from "../inference_modules/base64.ts";
import { decodeImageToFrame, ImageDecodeError } from "../inference_modules/image_frame.ts";
import type { ModuleRegistry } from "../inference_modules/registry.ts";
import { parseRoiList, RoiInputError } from "../inference_modules/roi_list.ts";
import type { RoiResult } from "../inference_modules/pool_types.ts";
import type { WorkerPool } from "../inference_modules/worker_pool.ts";
import { HttpError, onError } from "./errors.ts";

/** What the read route needs. */
export interface ReadRouteDeps {
  /** The worker pool (only `readFrame` is used). */
  pool: Pick<WorkerPool, "readFrame">;
  /** Module lookup and params validation. */
  registry: ModuleRegistry;
  /** Largest accepted request body in bytes (413 above it). */
  maxBodyBytes: number;
  /** Per-ROI deadline; default 30000 ms. */
  deadlineMs?: number;
}

/** The answer of `POST /api/read` and of `deno task read`. */
export interface ReadResponse {
  /** Image width. */
  width: number;
  /** Image height. */
  height: number;
  /** Seconds from decoded image to the last result. */
  duration: number;
  /** One per ROI, in input order. */
  results: Omit<RoiResult, "crop" | "data">[];
}

/** The JSON body of `POST /api/read`: base64 image bytes and the ROI list. */
export const readJsonBodySchema = z.object({
  image: z.string({ error: 'missing field "image" (base64 image bytes)' }).min(
    1,
    'field "image" is empty',
  ),
  rois: z.unknown().refine((v) => v !== undefined, 'missing field "rois"'),
});

/** Reads `rois` of encoded `image` bytes through the pool (shared by the route and the CLI). */
export async function readImage(
  deps: Pick<ReadRouteDeps, "pool" | "registry" | "deadlineMs">,
  input: { image: Uint8Array; rois: unknown },
): Promise<ReadResponse> {
  const { image, rois } = input;
  let frame;
  try {
    frame = await decodeImageToFrame(image);
  } catch (e) {
    if (e instanceof ImageDecodeError) throw new HttpError(422, `image: ${e.message}`);
    throw e;
  }
  let tasks;
  try {
    tasks = parseRoiList(rois, { registry: deps.registry, frame });
  } catch (e) {
    if (e instanceof RoiInputError) throw new HttpError(422, e.message, { field: e.field });
    throw e;
  }
  const started = performance.now();
  const results = await deps.pool.readFrame(frame, tasks, {
    deadlineMs: deps.deadlineMs ?? 30_000,
    priority: "live",
  });
  return {
    width: frame.width,
    height: frame.height,
    duration: (performance.now() - started) / 1000,
    results: results.map(({ crop: _crop, data: _data, ...rest }) => rest),
  };
}

/** `rois` as multipart text or JSON value: parsed JSON, 400 when it is not JSON. */
function roisValue(raw: unknown): unknown {
  if (typeof raw !== "string") return raw;
  try {
    return JSON.parse(raw);
  } catch (e) {
    throw new HttpError(400, `field "rois" is not JSON: ${(e as Error).message}`, {
      field: "rois",
    });
  }
}

async function fromMultipart(req: Request): Promise<{ image: Uint8Array; rois: unknown }> {
  let form: FormData;
  try {
    form = await req.formData();
  } catch (e) {
    throw new HttpError(400, `body is not valid multipart/form-data: ${(e as Error).message}`);
  }
  const image = form.get("image");
  const rois = form.get("rois");
  if (image === null) {
    throw new HttpError(400, 'missing field "image" (the image file)', { field: "image" });
  }
  if (rois === null) {
    throw new HttpError(400, 'missing field "rois" (JSON text)', { field: "rois" });
  }
  const bytes = typeof image === "string"
    ? new TextEncoder().encode(image)
    : new Uint8Array(await image.arrayBuffer());
  const roisText = typeof rois === "string" ? rois : await rois.text();
  return { image: bytes, rois: roisValue(roisText) };
}

async function fromJson(req: Request): Promise<{ image: Uint8Array; rois: unknown }> {
  let body: unknown;
  try {
    body = await req.json();
  } catch (e) {
    throw new HttpError(400, `body is not JSON: ${(e as Error).message}`);
  }
  const parsed = readJsonBodySchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = String(issue.path[0] ?? "body");
    throw new HttpError(400, issue.message, { field });
  }
  let image: Uint8Array;
  try {
    image = decodeBase64(parsed.data.image);
  } catch (e) {
    throw new HttpError(422, `image: ${(e as Error).message}`, { field: "image" });
  }
  return { image, rois: roisValue(parsed.data.rois) };
}

/** The `/api/read` sub-app. */
export function readRoutes(deps: ReadRouteDeps): Hono {
  const app = new Hono();
  app.onError(onError);
  app.post(
    "/api/read",
    bodyLimit({
      maxSize: deps.maxBodyBytes,
      onError: (c) =>
        c.json({ status: "error", message: `body is larger than ${deps.maxBodyBytes} bytes` }, 413),
    }),
    async (c) => {
      const type = c.req.header("content-type") ?? "";
      let input: { image: Uint8Array; rois: unknown };
      if (type.startsWith("multipart/form-data")) input = await fromMultipart(c.req.raw);
      else if (type.startsWith("application/json")) input = await fromJson(c.req.raw);
      else {
        throw new HttpError(
          415,
          `content-type must be multipart/form-data or application/json, got ${
            JSON.stringify(type)
          }`,
        );
      }
      return c.json(await readImage(deps, input));
    },
  );
  return app;
}
