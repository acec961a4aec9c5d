/** Worker side of `digits`: display-aware preprocessing, restricted CTC, blank detection. */
import type { Cv } from "../cv_loader.ts";
import type { CreateEngine, ModuleEngine, ReadOutput, RgbaImage } from "../module_types.ts";
import { paramsError } from "../params_error.ts";
import { allowedClassMask } from "../rapid_ocr/ctc_decode.ts";
import { parseNumber } from "../rapid_ocr/number_text.ts";
import { createTextRecognizer, type TextRecognizer } from "../rapid_ocr/text_recognizer.ts";
import { type DigitsParams, digitsParams } from "./descriptor.ts";
import {
  makeDarkOnLight,
  normalizedGray,
  shapeForRecognizer,
  stretchContrast,
} from "./digit_image.ts";
import { tidyDigitText } from "./digit_text.ts";
import { strokeContrast } from "./stroke_contrast.ts";

/** Proportions (width / height) a lone digit is given before recognition. */
const DIGIT_ASPECT = 0.55;
/** A reading this confident is kept even at low stroke contrast. */
const CONFIDENT = 0.5;

/** The image handed to the recogniser and the stroke contrast measured on the way. */
export function prepareDigitCrop(cv: Cv, crop: RgbaImage): { mat: Cv; contrast: number } {
  const rgba = cv.matFromImageData(crop);
  const gray = normalizedGray(cv, rgba);
  rgba.delete();
  try {
    const probe = gray.mat_clone();
    stretchContrast(probe);
    const inverted = makeDarkOnLight(cv, probe);
    probe.delete();
    if (inverted) cv.bitwise_not(gray, gray);
    const contrast = strokeContrast(cv, gray);
    stretchContrast(gray);
    return { mat: shapeForRecognizer(cv, gray, { blur: 1, aspect: DIGIT_ASPECT }), contrast };
  } finally {
    gray.delete();
  }
}

async function readDigits(
  cv: Cv,
  rec: TextRecognizer,
  crop: RgbaImage,
  p: DigitsParams & { mask: Uint8Array },
): Promise<ReadOutput> {
  const { mat, contrast } = prepareDigitCrop(cv, crop);
  let line;
  try {
    [line] = await rec.recognize(cv, [mat], { allowed: p.mask });
  } finally {
    mat.delete();
  }
  const blank = line.text === "" || (contrast < p.blank_contrast && line.score < CONFIDENT);
  const data = { raw: line.text, score: line.score, contrast, blank };
  if (blank) return { text: "", confidence: 1 - line.score, data };
  const text = tidyDigitText(line.text, p.decimals);
  return { text, value: parseNumber(text), confidence: line.score, data };
}

/** Loads the recogniser on the worker's ONNX backend. */
export const createEngine: CreateEngine = async (ctx) => {
  const cv = ctx.cv as Cv;
  const rec = await createTextRecognizer({ backend: ctx.onnxBackend });
  const masks = new Map<string, Uint8Array>();
  const engine: ModuleEngine = {
    async read(crop, params) {
      const parsed = digitsParams.safeParse(params);
      if (!parsed.success) throw new TypeError(paramsError(parsed.error));
      let mask = masks.get(parsed.data.allow);
      if (!mask) {
        masks.set(parsed.data.allow, mask = allowedClassMask(rec.classes, parsed.data.allow));
      }
      return await readDigits(cv, rec, crop, { ...parsed.data, mask });
    },
  };
  return engine;
};
