/**
 * `deno task read IMAGE ROIS.json`: reads the ROIs of one image and prints the same JSON as
 * `POST /api/read`. ROIS.json is a VisionROI `rois.json` array (or an object with a `rois` array);
 * page entries are skipped and extra fields (a fixture's `expected`) are ignored.
 * User modules load from `--data-dir` / VISIONROI_DATA_DIR (default ./data_sources).
 */
import { createRegistry } from "../inference_modules/registry.ts";
import { WorkerPool } from "../inference_modules/worker_pool.ts";
import { HttpError } from "../routes/errors.ts";
import { readImage } from "../routes/read.ts";

/** Env variables engines may read (the typhoon_ocr endpoint settings). */
const ENGINE_ENV = ["TYPHOON_OCR_BASE_URL", "TYPHOON_OCR_MODEL", "TYPHOON_OCR_API_KEY"];

async function main(args: string[]): Promise<number> {
  const dirFlag = args.findIndex((a) => a === "--data-dir");
  const dataDir = dirFlag >= 0 ? args.splice(dirFlag, 2)[1] : Deno.env.get("VISIONROI_DATA_DIR");
  const [imagePath, roisPath] = args;
  if (!imagePath || !roisPath) {
    console.error("usage: deno task read IMAGE ROIS.json [--data-dir DIR]");
    return 2;
  }
  const image = await Deno.readFile(imagePath);
  const rois = JSON.parse(await Deno.readTextFile(roisPath));
  const absDataDir = await Deno.realPath(dataDir ?? "data_sources").catch((e) => {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  });
  const registry = await createRegistry({ dataDir: absDataDir });
  const env = Object.fromEntries(
    ENGINE_ENV.flatMap((k) => {
      const v = Deno.env.get(k);
      return v === undefined ? [] : [[k, v]];
    }),
  );
  const pool = new WorkerPool({ registry, env, dataDir: absDataDir });
  try {
    const answer = await readImage({ pool, registry, deadlineMs: 120_000 }, { image, rois });
    console.log(JSON.stringify(answer, null, 2));
    return 0;
  } catch (e) {
    if (e instanceof HttpError) {
      console.error(`read: ${e.message}`);
      return 1;
    }
    throw e;
  } finally {
    await pool.close();
  }
}

Deno.exit(await main([...Deno.args]));
