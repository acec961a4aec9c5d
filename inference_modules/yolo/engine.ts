/** Worker side of `yolo`: letterbox, one ONNX run, candidates, per-class NMS, boxes in crop pixels. */
import type { Cv } from "../cv_loader.ts";
import type {
  CreateEngine,
  EngineContext,
  ModuleEngine,
  ReadOutput,
  RgbaImage,
} from "../module_types.ts";
import { createOnnxSession, type OnnxSession } from "../onnx/onnx_session.ts";
import { paramsError } from "../params_error.ts";
import { detectionsText } from "./detections_text.ts";
import { type YoloParams, yoloParams } from "./descriptor.ts";
import { type Box, letterboxGeometry, letterboxTensor, unletterbox } from "./letterbox.ts";
import { loadLabels, resolveModelFile } from "./model_files.ts";
import { nonMaxSuppression, yoloCandidates } from "./nms.ts";

/** One detection in crop pixels. */
export interface Detection {
  /** Class name (`class_<n>` when the labels do not name it). */
  label: string;
  /** Class probability. */
  score: number;
  /** Box in crop pixels. */
  box: Box;
}

/** Runs a loaded YOLOv8 session on one crop: kept detections (class ids) and the class count. */
export async function detectObjects(
  cv: Cv,
  session: OnnxSession,
  crop: RgbaImage,
  p: Pick<YoloParams, "input_size" | "score_threshold" | "iou_threshold">,
): Promise<{ classes: number; found: { classId: number; score: number; box: Box }[] }> {
  const g = letterboxGeometry(crop.width, crop.height, p.input_size);
  const rgba = cv.matFromImageData(crop);
  let tensor;
  try {
    tensor = letterboxTensor(cv, rgba, g);
  } finally {
    rgba.delete();
  }
  const out = (await session.run({ [session.inputNames[0]]: tensor }))[session.outputNames[0]];
  if (out.dims.length !== 3 || out.dims[1] <= 4) {
    throw new RangeError(
      `not a YOLOv8 detection output: dims [${out.dims}], expected [1, 4 + classes, anchors]`,
    );
  }
  const cands = yoloCandidates(out.data, out.dims, p.score_threshold);
  const found = nonMaxSuppression(cands, p.iou_threshold).map((c) => ({
    ...c,
    box: unletterbox(c.box, g, crop),
  }));
  return { classes: out.dims[1] - 4, found };
}

const MISSING_MODEL = "params.model is required: the path of a YOLOv8 .onnx file " +
  "(absolute, or relative to the data dir's models/ folder); VisionROI ships no YOLO weights";

async function readObjects(
  ctx: EngineContext,
  crop: RgbaImage,
  p: YoloParams,
): Promise<ReadOutput> {
  if (!p.model) throw new TypeError(MISSING_MODEL);
  const session = await createOnnxSession(resolveModelFile(ctx.dataDir, p.model, "model"), {
    backend: ctx.onnxBackend,
  });
  const { classes, found } = await detectObjects(ctx.cv as Cv, session, crop, p);
  const labels = await loadLabels(p.labels, {
    dataDir: ctx.dataDir,
    metadata: session.metadata,
    classes,
  });
  const detections: Detection[] = found.map((d) => ({
    label: labels[d.classId] ?? `class_${d.classId}`,
    score: d.score,
    box: d.box,
  }));
  const text = detectionsText(detections.map((d) => d.label));
  const confidence = detections.length ? Math.max(...detections.map((d) => d.score)) : undefined;
  return { text, value: detections.length, confidence, data: { detections } };
}

/** Creates the engine; models load on first use per path and stay cached in the worker. */
export const createEngine: CreateEngine = (ctx) => {
  const engine: ModuleEngine = {
    async read(crop, params) {
      const parsed = yoloParams.safeParse(params);
      if (!parsed.success) throw new TypeError(paramsError(parsed.error));
      return await readObjects(ctx, crop, parsed.data);
    },
  };
  return Promise.resolve(engine);
};
