/** Placeholder for `digits` until its engine lands (the ONNX engineer replaces this file). */
import { z } from "zod";
import type { ModuleDescriptor } from "../module_types.ts";

/** Registry entry of `digits` (placeholder: reading fails until `engine.ts` exists). */
export const descriptor: ModuleDescriptor = {
  name: "digits",
  description: "PaddleOCR recognition restricted to digits, for seven-segment displays and meter counters.",
  params: z.object({}).passthrough(),
  output: "number",
  engineUrl: new URL("./engine.ts", import.meta.url),
};
