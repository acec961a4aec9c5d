/** `rapid_ocr`: PaddleOCR text detection and recognition (ONNX), lines in reading order. */
import { z } from "zod";
import type { ModuleDescriptor } from "../module_types.ts";

/** Per-ROI params of `rapid_ocr`. */
export const rapidOcrParams = z.object({
  /** Find text boxes first (true), or read the whole crop as one line (false: best for one value). */
  detect: z.boolean().default(true),
  /** Lines whose mean character probability is below this are dropped. */
  min_score: z.number().min(0).max(1).default(0.5),
  /** Pixel text probability of the detector's map (PaddleOCR's det_db_thresh). */
  det_threshold: z.number().min(0).max(1).default(0.3),
  /** Mean text probability a box needs (PaddleOCR's det_db_box_thresh). */
  box_threshold: z.number().min(0).max(1).default(0.5),
  /** Restrict recognition to these characters (empty: the whole English dictionary). */
  allow: z.string().default(""),
});

/** Parsed `rapid_ocr` params. */
export type RapidOcrParams = z.infer<typeof rapidOcrParams>;

/** Registry entry of `rapid_ocr`. */
export const descriptor: ModuleDescriptor = {
  name: "rapid_ocr",
  description: "PaddleOCR detection and recognition (ONNX); lines in reading order.",
  params: rapidOcrParams,
  output: "text",
  engineUrl: new URL("./engine.ts", import.meta.url),
};
