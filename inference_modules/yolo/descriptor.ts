/** Placeholder for `yolo` until its engine lands (the ONNX engineer replaces this file). */
import { z } from "zod";
import type { ModuleDescriptor } from "../module_types.ts";

/** Registry entry of `yolo` (placeholder: reading fails until `engine.ts` exists). */
export const descriptor: ModuleDescriptor = {
  name: "yolo",
  description: "YOLOv8 object detector (ONNX).",
  params: z.object({}).passthrough(),
  output: "detections",
  engineUrl: new URL("./engine.ts", import.meta.url),
};
