/** `yolo`: a YOLOv8 ONNX object detector; the model is the user's (none ships with VisionROI). */
import { z } from "zod";
import type { ModuleDescriptor } from "../module_types.ts";

/** Per-ROI params of `yolo`. */
export const yoloParams = z.object({
  /** YOLOv8 .onnx file: absolute, or relative to `<dataDir>/models/`. Required. */
  model: z.string().optional(),
  /** Class names: a classes.txt path (as `model`) or a list; default: the model's metadata, else COCO-80. */
  labels: z.union([z.string(), z.array(z.string())]).optional(),
  /** Minimum class probability. */
  score_threshold: z.number().min(0).max(1).default(0.25),
  /** Same-class boxes overlapping more than this are suppressed. */
  iou_threshold: z.number().min(0).max(1).default(0.45),
  /** Square input side the model was exported with. */
  input_size: z.number().int().min(32).max(4096).default(640),
});

/** Parsed `yolo` params. */
export type YoloParams = z.infer<typeof yoloParams>;

/** Registry entry of `yolo`. */
export const descriptor: ModuleDescriptor = {
  name: "yolo",
  description: "YOLOv8 object detector (ONNX): labels, scores and boxes; bring your own model.",
  params: yoloParams,
  output: "detections",
  engineUrl: new URL("./engine.ts", import.meta.url),
};
