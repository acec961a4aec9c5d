/** Worker side of `rapid_ocr`: detect text boxes, recognise each, join lines in reading order. */
import type { Cv } from "../cv_loader.ts";
import type { CreateEngine, ModuleEngine, ReadOutput, RgbaImage } from "../module_types.ts";
import { paramsError } from "../params_error.ts";
import { allowedClassMask } from "./ctc_decode.ts";
import { type RapidOcrParams, rapidOcrParams } from "./descriptor.ts";
import { lineCrop } from "./line_crop.ts";
import { parseNumber } from "./number_text.ts";
import { readingOrder } from "./reading_order.ts";
import { fixDigitLookalikes } from "./digit_lookalikes.ts";

/** Space-class probability under a winning blank that still marks a word gap (see ctc_decode.ts). */
const SPACE_THRESHOLD = 0.1;
import type { Pt, TextBox } from "./text_boxes.ts";
import { createTextDetector, type TextDetector } from "./text_detector.ts";
import { createTextRecognizer, type TextRecognizer } from "./text_recognizer.ts";

/** One recognised piece of text and where it is. */
export interface OcrWord {
  /** Its text. */
  text: string;
  /** Mean character probability. */
  score: number;
  /** Corners in crop pixels, TL TR BR BL. */
  box: [Pt, Pt, Pt, Pt];
}

/** The loaded models. */
export interface OcrModels {
  /** The detector. */
  det: TextDetector;
  /** The recogniser. */
  rec: TextRecognizer;
}

/** Reads a crop: lines of words in reading order, below-`min_score` words dropped. */
export async function readText(
  cv: Cv,
  models: OcrModels,
  crop: RgbaImage,
  p: RapidOcrParams,
): Promise<OcrWord[][]> {
  const src = cv.matFromImageData(crop);
  const mats: Cv[] = [];
  try {
    const boxes = p.detect
      ? await models.det.detect(cv, src, {
        threshold: p.det_threshold,
        boxThreshold: p.box_threshold,
      })
      : [wholeBox(crop)];
    const lines = readingOrder(boxes);
    for (const b of lines.flat()) mats.push(p.detect ? lineCrop(cv, src, b.points) : src);
    const allowed = p.allow ? allowedClassMask(models.rec.classes, p.allow) : undefined;
    const texts = await models.rec.recognize(cv, mats, {
      allowed,
      spaceThreshold: SPACE_THRESHOLD,
    });
    if (!allowed) { for (const t of texts) t.text = fixDigitLookalikes(t); }
    let i = 0;
    return lines
      .map((line) => line.map((b) => ({ ...texts[i++], box: b.points })))
      .map((line) => line.filter((w) => w.text.trim() !== "" && w.score >= p.min_score))
      .map((line) => line.map((w) => ({ text: w.text.trim(), score: w.score, box: w.box })))
      .filter((line) => line.length > 0);
  } finally {
    for (const m of mats) if (m !== src) m.delete();
    src.delete();
  }
}

function wholeBox(crop: RgbaImage): TextBox {
  const w = crop.width, h = crop.height;
  return { points: [{ x: 0, y: 0 }, { x: w, y: 0 }, { x: w, y: h }, { x: 0, y: h }], score: 1 };
}

/** Turns lines of words into the module's answer. */
export function ocrOutput(lines: OcrWord[][]): ReadOutput {
  const words = lines.flat();
  const text = lines.map((l) => l.map((w) => w.text).join(" ")).join("\n");
  const confidence = words.length ? words.reduce((s, w) => s + w.score, 0) / words.length : 0;
  return { text, value: parseNumber(text), confidence, data: { lines } };
}

/** Loads detector and recogniser on the worker's ONNX backend. */
export const createEngine: CreateEngine = async (ctx) => {
  const cv = ctx.cv as Cv;
  const [det, rec] = await Promise.all([
    createTextDetector({ backend: ctx.onnxBackend }),
    createTextRecognizer({ backend: ctx.onnxBackend }),
  ]);
  const engine: ModuleEngine = {
    async read(crop, params) {
      const parsed = rapidOcrParams.safeParse(params);
      if (!parsed.success) throw new TypeError(paramsError(parsed.error));
      return ocrOutput(await readText(cv, { det, rec }, crop, parsed.data));
    },
  };
  return engine;
};
