/**
 * Worker side of `tesseract_ocr`. Language data comes from the npm package
 * `@tesseract.js-data/eng` (`langPath`, `cacheMethod: "none"`): nothing is fetched or written.
 */
import { createWorker, OEM, PSM } from "tesseract.js";
import type { CreateEngine, ModuleEngine, RgbaImage } from "../module_types.ts";
import type { Cv } from "../cv_loader.ts";
import { mainNumber } from "../main_number.ts";
import { tesseractParams } from "./descriptor.ts";
import { type GrayImage, prepareForOcr, toPgm } from "./preprocess.ts";

/** Directory holding `eng.traineddata.gz` (LSTM-only best_int models). */
export function engLangPath(): string {
  const pkg = import.meta.resolve("@tesseract.js-data/eng");
  return decodeURIComponent(new URL("./4.0.0_best_int", pkg).pathname);
}

/** A row whose first reading is at least this confident is not read a second time. */
const GOOD_ENOUGH = 90;
/** Second-pass ink cut for rows the first pass read poorly (see `PrepareOptions.inkBias`). */
const SECOND_PASS_BIAS = 0.4;

type TessWorker = Awaited<ReturnType<typeof createWorker>>;
type Reading = { text: string; confidence: number };

/** Creates one tesseract.js worker (about 0.4 s) and warms it with a blank image. */
export const createEngine: CreateEngine = async (ctx) => {
  const tess = await createWorker("eng", OEM.LSTM_ONLY, {
    langPath: engLangPath(),
    gzip: true,
    cacheMethod: "none",
  });
  const settings = { psm: "", whitelist: "" };
  const configure = async (psm: PSM, whitelist: string) => {
    if (settings.psm === psm && settings.whitelist === whitelist) return;
    await tess.setParameters({
      tessedit_pageseg_mode: psm,
      tessedit_char_whitelist: whitelist,
      user_defined_dpi: "300",
    });
    Object.assign(settings, { psm, whitelist });
  };
  await configure(PSM.SINGLE_LINE, "");
  await recognize(tess, warmUpImage());
  const engine: ModuleEngine = {
    async read(crop, params) {
      const p = tesseractParams.parse(params);
      const psm = p.psm === "line"
        ? PSM.SINGLE_LINE
        : p.psm === "word"
        ? PSM.SINGLE_WORD
        : PSM.SINGLE_BLOCK;
      await configure(psm, p.whitelist);
      const readings = p.psm === "line"
        ? await readRows(ctx.cv, tess, crop, p.glyphPx)
        : [await readBlock(ctx.cv, tess, crop, { glyphPx: p.glyphPx, retry: p.psm === "block" })];
      const text = readings.map((r) => r.text).filter((t) => t).join("\n");
      const confidence = readings.length
        ? readings.reduce((s, r) => s + r.confidence, 0) / readings.length / 100
        : 0;
      return { text, value: mainNumber(text), confidence };
    },
    async dispose() {
      await tess.terminate();
    },
  };
  return engine;
};

/** A white square with one black bar: a blank image makes leptonica print statistics to stdout. */
function warmUpImage(): GrayImage {
  const data = new Uint8Array(48 * 48).fill(255);
  for (let y = 12; y < 36; y++) data.fill(0, y * 48 + 20, y * 48 + 26);
  return { width: 48, height: 48, data };
}

async function recognize(tess: TessWorker, img: GrayImage): Promise<Reading> {
  // tesseract.js accepts encoded image bytes; leptonica reads PGM, so no PNG encoder is needed.
  const { data } = await tess.recognize(toPgm(img) as unknown as Buffer);
  return { text: data.text.replace(/\s+/g, " ").trim(), confidence: data.confidence };
}

/** Reads each text row as one line; rows read poorly get a second, darker cut. */
async function readRows(
  cv: Cv,
  tess: TessWorker,
  crop: RgbaImage,
  glyphPx: number,
): Promise<Reading[]> {
  const first = prepareForOcr(cv, crop, { glyphPx });
  const out: Reading[] = [];
  for (const row of first.rows) out.push(await recognize(tess, row));
  if (out.every((r) => r.confidence >= GOOD_ENOUGH)) return out;
  const second = prepareForOcr(cv, crop, { glyphPx, inkBias: SECOND_PASS_BIAS });
  if (second.rows.length !== first.rows.length) {
    const alt: Reading[] = [];
    for (const row of second.rows) alt.push(await recognize(tess, row));
    return meanConfidence(alt) > meanConfidence(out) ? alt : out;
  }
  for (let i = 0; i < out.length; i++) {
    if (out[i].confidence >= GOOD_ENOUGH) continue;
    const again = await recognize(tess, second.rows[i]);
    if (again.confidence > out[i].confidence) out[i] = again;
  }
  return out;
}

/**
 * Reads the whole crop at once; `retry` allows the darker second cut (in word mode the two cuts'
 * confidences do not rank them reliably, so it reads once).
 */
async function readBlock(
  cv: Cv,
  tess: TessWorker,
  crop: RgbaImage,
  { glyphPx, retry }: { glyphPx: number; retry: boolean },
): Promise<Reading> {
  const first = await recognize(tess, prepareForOcr(cv, crop, { glyphPx }).block);
  if (!retry || first.confidence >= GOOD_ENOUGH) return first;
  const second = prepareForOcr(cv, crop, { glyphPx, inkBias: SECOND_PASS_BIAS }).block;
  const again = await recognize(tess, second);
  return again.confidence > first.confidence ? again : first;
}

function meanConfidence(rs: Reading[]): number {
  return rs.length ? rs.reduce((s, r) => s + r.confidence, 0) / rs.length : 0;
}
