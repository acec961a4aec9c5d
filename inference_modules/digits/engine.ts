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
import { splitCells } from "./digit_cells.ts";
import { tidyDigitText } from "./digit_text.ts";
import { strokeContrast } from "./stroke_contrast.ts";
import { decodeSevenSeg } from "../sevenseg/decode.ts";
import { readSevenSeg } from "../sevenseg/engine.ts";

/** Proportions (width / height) a lone digit is given before recognition. */
const DIGIT_ASPECT = 0.55;
/** A reading this confident is kept even at low stroke contrast. */
const CONFIDENT = 0.5;

/**
 * The image handed to the recogniser and the stroke contrast measured on the way. `digits`
 * (when known) narrows the crop to that many printed-digit widths.
 */
export function prepareDigitCrop(
  cv: Cv,
  crop: RgbaImage,
  digits?: number,
): { mat: Cv; contrast: number } {
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
    const mat = shapeForRecognizer(cv, gray, { blur: 1, aspect: DIGIT_ASPECT, digits });
    return { mat, contrast };
  } finally {
    gray.delete();
  }
}

/** What one digit window read, before joining. */
interface CellRead {
  raw: string;
  score: number;
  contrast: number;
  blank: boolean;
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

/** Reads each image as one line (one batch) and decides which are unlit. */
async function readBatch(
  cv: Cv,
  rec: TextRecognizer,
  images: RgbaImage[],
  p: DigitsParams & { mask: Uint8Array; digits?: number },
): Promise<CellRead[]> {
  const prepared = images.map((c) => prepareDigitCrop(cv, c, p.digits));
  let lines;
  try {
    lines = await rec.recognize(cv, prepared.map((x) => x.mat), { allowed: p.mask });
  } finally {
    for (const x of prepared) x.mat.delete();
  }
  return lines.map((l, i) => {
    const contrast = prepared[i].contrast;
    const blank = l.text === "" || (contrast < p.blank_contrast && l.score < CONFIDENT);
    return { raw: l.text, score: l.score, contrast, blank };
  });
}

/**
 * Auto-detection: a valid segment decoding of two or more cells this clear, with ghosts showing,
 * replaces OCR. Strong ghosts (30–45 % of the lit contrast) leave segment margins of only
 * 0.3–0.5; printed digits show no ghosts (none of 64 rendered numbers in four fonts was taken).
 */
const AUTO_MIN_CONFIDENCE = 0.25;
const AUTO_MIN_GHOST = 0.05;

/** The segment decoder's answer for `display: "7seg"`, or for `auto` when it is clearly right. */
function sevenSegFirst(crop: RgbaImage, p: DigitsParams): ReadOutput | undefined {
  const digits = p.digit_count ?? p.cells;
  const opts = { digits, polarity: "auto" as const, decimals: p.decimals, min_contrast: 0.05 };
  if (p.display === "7seg") {
    const out = readSevenSeg(crop, opts);
    return { ...out, data: { display: "7seg", ...(out.data as object) } };
  }
  if (p.display !== "auto") return undefined;
  // Auto takes two or more cells only: a one-digit crop (a meter's drum digit) goes to OCR
  // without the segment decoder's cell fit.
  if (digits === 1 || (digits === undefined && crop.width / crop.height < 1.2)) return undefined;
  const r = decodeSevenSeg(crop, { digits });
  const clear = !r.error && r.digits.length >= 2 && r.confidence >= AUTO_MIN_CONFIDENCE &&
    r.ghostRatio >= AUTO_MIN_GHOST && r.text !== "";
  if (!clear) return undefined;
  const out = readSevenSeg(crop, opts);
  return { ...out, data: { display: "7seg", ...(out.data as object) } };
}

async function readDigits(
  cv: Cv,
  rec: TextRecognizer,
  crop: RgbaImage,
  p: DigitsParams & { mask: Uint8Array },
): Promise<ReadOutput> {
  const seg = sevenSegFirst(crop, p);
  if (seg) return seg;
  const images = p.cells ? splitCells(crop, p.cells) : [crop];
  const digits = p.cells ? undefined : p.digit_count;
  const reads = await readBatch(cv, rec, images, { ...p, digits });
  const data = p.cells ? { cells: reads } : reads[0];
  const lit = reads.filter((r) => !r.blank);
  if (lit.length === 0) return { text: "", confidence: 1 - mean(reads.map((r) => r.score)), data };
  const text = tidyDigitText(lit.map((r) => r.raw).join(""), p.decimals);
  return { text, value: parseNumber(text), confidence: mean(lit.map((r) => r.score)), data };
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
