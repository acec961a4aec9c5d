/** `tesseract_ocr`: Tesseract (tesseract.js, LSTM) with the preprocessing real ROI crops need. */
import { z } from "zod";
import type { ModuleDescriptor } from "../module_types.ts";

/** Per-ROI params. */
export const tesseractParams = z.object({
  /** Page segmentation: each text row read as a line (default), one block, or one word. */
  psm: z.enum(["line", "block", "word"]).default("line"),
  /** Only these characters may be recognised (e.g. "0123456789.-"); empty = all. */
  whitelist: z.string().max(256).default(""),
  /** Glyph height the crop is scaled to before recognition, in pixels. */
  glyphPx: z.number().int().min(10).max(120).default(40),
});

/** Registry entry of `tesseract_ocr`. */
export const descriptor: ModuleDescriptor = {
  name: "tesseract_ocr",
  description:
    "Tesseract OCR (tesseract.js, English LSTM) with upscaling, binarisation and border removal.",
  params: tesseractParams,
  output: "text",
  engineUrl: new URL("./engine.ts", import.meta.url),
};
