/**
 * Test and benchmark access to the real-world fixtures in `../shared/fixtures` (never copied
 * into the project): listing, decoding to RGBA with sharp, and the HMI ROI list.
 */
import sharp from "sharp";
import { fileURLToPath } from "node:url";
import type { Cv } from "../cv_loader.ts";
import type { RgbaImage } from "../module_types.ts";
import { cropRoi, frameToMat } from "../roi_crop.ts";
import type { Quad } from "../roi_polygon.ts";

/** The fixtures folder beside the checkout. */
export const FIXTURES_DIR = fileURLToPath(new URL("../../../shared/fixtures/", import.meta.url));

/** True when the fixtures folder is present; otherwise prints why fixture tests are skipped. */
export function fixturesPresent(what = "fixture tests"): boolean {
  try {
    if (Deno.statSync(FIXTURES_DIR).isDirectory) return true;
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  console.log(`%cSkipping ${what}: ${FIXTURES_DIR} is absent`, "color: yellow");
  return false;
}

/** Decodes a JPEG or PNG file to RGBA. */
export async function decodeImage(path: string): Promise<RgbaImage & { data: Uint8Array }> {
  const { data, info } = await sharp(await Deno.readFile(path)).ensureAlpha().raw().toBuffer({
    resolveWithObject: true,
  });
  return { width: info.width, height: info.height, data: new Uint8Array(data) };
}

/** One labelled crop file. */
export interface LabelledFile {
  /** Absolute path. */
  path: string;
  /** The folder name: a digit, `blank`, or a meter value like `3.0`. */
  label: string;
}

/** Files under `<FIXTURES_DIR>/<folder>/<label>/`, sorted, for labels accepted by `keep`. */
export function listLabelled(folder: string, keep: (label: string) => boolean = () => true) {
  const root = `${FIXTURES_DIR}${folder}/`;
  const out: LabelledFile[] = [];
  for (const dir of [...Deno.readDirSync(root)].filter((d) => d.isDirectory && keep(d.name))) {
    for (const f of Deno.readDirSync(root + dir.name)) {
      if (f.isFile) out.push({ path: `${root}${dir.name}/${f.name}`, label: dir.name });
    }
  }
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

/** An HMI ROI with what a person reads in it. */
export interface HmiRoi {
  /** ROI id. */
  id: string;
  /** ROI name. */
  name: string;
  /** VisionROI's module for it. */
  module: string;
  /** TL, TR, BR, BL. */
  points: { x: number; y: number }[];
  /** Full text, lines split by "\n". */
  expected: string;
  /** The main value. */
  expected_value: string;
}

/** The HMI photo's ROIs (`hmi_screen/screen_ocr.rois.json`). */
export function hmiRois(): HmiRoi[] {
  const json = JSON.parse(Deno.readTextFileSync(`${FIXTURES_DIR}hmi_screen/screen_ocr.rois.json`));
  return json.rois as HmiRoi[];
}

/** Path of the HMI photo. */
export const HMI_IMAGE = "hmi_screen/screen_ocr.jpg";

/** The HMI photo's text ROIs (light_button ones left out) with their rectified crops. */
export async function hmiTextCrops(cv: Cv): Promise<{ roi: HmiRoi; crop: RgbaImage }[]> {
  const frame = await decodeImage(FIXTURES_DIR + HMI_IMAGE);
  const src = frameToMat(cv, frame);
  try {
    return hmiRois()
      .filter((roi) => roi.module !== "light_button")
      .map((roi) => ({ roi, crop: cropRoi(cv, src, { quad: roi.points as Quad, frame }).crop }));
  } finally {
    src.delete();
  }
}

/** Crops side by side, each scaled to the smallest height: a synthetic multi-digit strip. */
export function joinCrops(images: RgbaImage[]): RgbaImage {
  const h = Math.min(...images.map((i) => i.height));
  const parts = images.map((i) => ({ i, w: Math.round((i.width * h) / i.height) }));
  const width = parts.reduce((s, p) => s + p.w, 0);
  const data = new Uint8Array(width * h * 4);
  let x0 = 0;
  for (const { i, w } of parts) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const sx = Math.floor((x * i.width) / w), sy = Math.floor((y * i.height) / h);
        const s = (sy * i.width + sx) * 4;
        data.set(i.data.subarray(s, s + 4), (y * width + x0 + x) * 4);
      }
    }
    x0 += w;
  }
  return { width, height: h, data };
}
