/** Worker side of `sevenseg`: pure TypeScript on the RGBA crop (no model, no OpenCV). */
import type { CreateEngine, ReadOutput, RgbaImage } from "../module_types.ts";
import { paramsError } from "../params_error.ts";
import { parseNumber } from "../rapid_ocr/number_text.ts";
import { tidyDigitText } from "../digits/digit_text.ts";
import { type SevensegParams, sevensegParams } from "./descriptor.ts";
import { decodeSevenSeg } from "./decode.ts";

/**
 * Decodes a display into a module answer. An invalid segment pattern throws
 * `segment pattern 1011001x is not a digit` (the read's `error`) rather than guessing.
 */
export function readSevenSeg(crop: RgbaImage, p: SevensegParams): ReadOutput {
  const r = decodeSevenSeg(crop, {
    digits: p.digits,
    polarity: p.polarity === "auto" ? undefined : p.polarity,
    minContrast: p.min_contrast,
  });
  if (r.error) throw new Error(r.error);
  const text = tidyDigitText(r.text, p.decimals);
  const data = {
    polarity: r.polarity,
    slant: r.slant,
    contrast: r.contrast,
    ghost_ratio: r.ghostRatio,
    digits: r.digits.map((d) => ({
      char: d.char,
      pattern: d.pattern,
      point: d.point,
      confidence: d.confidence,
    })),
  };
  const value = text === "" ? undefined : parseNumber(text);
  return { text, ...(value === undefined ? {} : { value }), confidence: r.confidence, data };
}

/** No model to load: decoding is arithmetic on the crop. */
export const createEngine: CreateEngine = () =>
  Promise.resolve({
    read(crop, params) {
      const parsed = sevensegParams.safeParse(params);
      if (!parsed.success) return Promise.reject(new TypeError(paramsError(parsed.error)));
      try {
        return Promise.resolve(readSevenSeg(crop, parsed.data));
      } catch (e) {
        return Promise.reject(e);
      }
    },
  });
