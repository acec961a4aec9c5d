import sharp from "sharp";
import { createWorker, OEM, PSM } from "tesseract.js";
import { loadCv } from "./cv_loader.ts";
import { cropRoi, frameToMat } from "./roi_crop.ts";
import { validateRoiPolygon } from "./roi_polygon.ts";
import { prepareForOcr, toPgm } from "./tesseract_ocr/preprocess.ts";
const { cv } = await loadCv();
const langPath = new URL("./4.0.0_best_int", import.meta.resolve("@tesseract.js-data/eng")).pathname;
const w = await createWorker("eng", OEM.LSTM_ONLY, { langPath, gzip: true, cacheMethod: "none" });
await w.setParameters({ tessedit_pageseg_mode: PSM.SINGLE_LINE, user_defined_dpi: "300" });
const base = "/work/shared/fixtures/hmi_screen/";
const { data, info } = await sharp(await Deno.readFile(base + "screen_ocr.jpg")).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
const frame = { width: info.width, height: info.height, data: new Uint8Array(data) };
const mat = frameToMat(cv, frame);
const rois = JSON.parse(await Deno.readTextFile(base + "screen_ocr.rois.json")).rois;
for (const r of rois) {
  if (r.module !== "tesseract_ocr") continue;
  const c = cropRoi(cv, mat, { quad: validateRoiPolygon(r.id, r.points, frame), frame });
  const p = prepareForOcr(cv, c.crop);
  const texts = [];
  let i = 0;
  for (const row of p.rows) {
    await sharp(row.data, { raw: { width: row.width, height: row.height, channels: 1 } }).png().toFile(`/tmp/vr/rows/${r.id}_${i++}.png`);
    const t0 = performance.now();
    const res = await w.recognize(toPgm(row) as unknown as Buffer);
    texts.push(`${res.data.text.trim()}(${res.data.confidence.toFixed(0)},${(performance.now()-t0).toFixed(0)}ms)`);
  }
  console.log(r.id, JSON.stringify(r.expected), "glyph", p.glyphHeight, "scale", p.scale.toFixed(2), "inv", p.inverted, "rows", p.rows.length, "=>", texts.join(" | "));
}
await w.terminate();
