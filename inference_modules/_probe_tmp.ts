import { createWorker, OEM, PSM } from "tesseract.js";
import { loadCv } from "./cv_loader.ts";
import { cropRoi, frameToMat } from "./roi_crop.ts";
import { validateRoiPolygon } from "./roi_polygon.ts";
import { prepareForOcr, toPgm } from "./tesseract_ocr/preprocess.ts";
import { loadFixture } from "./testing/fixtures.ts";
import { engLangPath } from "./tesseract_ocr/engine.ts";
const { cv } = await loadCv();
const w = await createWorker("eng", OEM.LSTM_ONLY, {
  langPath: engLangPath(),
  gzip: true,
  cacheMethod: "none",
});
const { frame, rois } = await loadFixture(
  "hmi_screen/screen_ocr.jpg",
  "hmi_screen/screen_ocr.rois.json",
);
const mat = frameToMat(cv, frame);
for (const id of ["11", "12", "5"]) {
  const r = rois.find((r) => r.id === id)!;
  const c = cropRoi(cv, mat, { quad: validateRoiPolygon(r.id, r.points, frame), frame });
  for (const psm of [PSM.SINGLE_WORD, PSM.SINGLE_BLOCK, PSM.RAW_LINE]) {
    for (const bias of [0, 0.4]) {
      await w.setParameters({ tessedit_pageseg_mode: psm, user_defined_dpi: "300" });
      const p = prepareForOcr(cv, c.crop, { inkBias: bias });
      const res = await w.recognize(toPgm(p.block) as unknown as Buffer);
      console.log(id, psm, bias, JSON.stringify(res.data.text), res.data.confidence);
    }
  }
}
await w.terminate();
