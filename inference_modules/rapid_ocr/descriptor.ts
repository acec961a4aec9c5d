/** Placeholder for `rapid_ocr` until its engine lands (the ONNX engineer replaces this file). */
import { z } from "zod";
import type { ModuleDescriptor } from "../module_types.ts";

/** Registry entry of `rapid_ocr` (placeholder: reading fails until `engine.ts` exists). */
export const descriptor: ModuleDescriptor = {
  name: "rapid_ocr",
  description: "PaddleOCR detection and recognition (ONNX), lines in reading order.",
  params: z.object({}).passthrough(),
  output: "text",
  engineUrl: new URL("./engine.ts", import.meta.url),
};
