/** `digits`: PaddleOCR recognition restricted to digits, for seven-segment displays and meter counters. */
import { z } from "zod";
import type { ModuleDescriptor } from "../module_types.ts";

/** Per-ROI params of `digits`. */
export const digitsParams = z.object({
  /** Characters the recogniser may emit (its CTC argmax runs over these and the blank only). */
  allow: z.string().min(1).default("0123456789.-"),
  /** Digits after an implied decimal point (a meter counter with no printed point): 12345 → 123.45. */
  decimals: z.number().int().min(0).max(9).optional(),
  /**
   * Digits the display shows: wide LCD digits are narrowed to printed proportions first, which
   * the recogniser reads better (it confuses wide 7s with 9s and drops 1s).
   */
  digit_count: z.number().int().min(1).max(32).optional(),
  /** Digit windows: split the crop into this many equal columns and read each as one digit. */
  cells: z.number().int().min(1).max(32).optional(),
  /**
   * `7seg`: decode with the `sevenseg` segment decoder instead of OCR; `ocr`: OCR only; `auto`:
   * the segment decoder's answer when it finds two or more cells with ghost segments (unlit
   * segments shown faintly, which OCR reads as 8s) and decodes them all clearly, else OCR.
   */
  display: z.enum(["auto", "7seg", "ocr"]).default("auto"),
  /** Below this stroke contrast an unconfident reading counts as an unlit display (empty text). */
  blank_contrast: z.number().min(0).max(1).default(0.15),
});

/** Parsed `digits` params. */
export type DigitsParams = z.infer<typeof digitsParams>;

/** Registry entry of `digits`. */
export const descriptor: ModuleDescriptor = {
  name: "digits",
  description:
    "Digits of seven-segment displays and meter counters (PaddleOCR recognition restricted to 0-9 . -).",
  params: digitsParams,
  output: "number",
  engineUrl: new URL("./engine.ts", import.meta.url),
};
