/** The DB text detector: crop in, text boxes out. */
import type { Cv } from "../cv_loader.ts";
import type { OnnxBackendSetting } from "../onnx/runtime_loader.ts";
import { createOnnxSession, type OnnxSession } from "../onnx/onnx_session.ts";
import { detInputSize, type DetSizeOptions, detTensor } from "./det_tensor.ts";
import { DET_MODEL, paddleModelPath } from "./paddle_models.ts";
import { type TextBox, textBoxes } from "./text_boxes.ts";

/** A loaded detector. */
export interface TextDetector {
  /** The ONNX session (exposed so the benchmark can time inference alone). */
  readonly session: OnnxSession;
  /** Text boxes of an RGBA Mat, in its pixels. */
  detect(
    cv: Cv,
    rgba: Cv,
    opts?: DetSizeOptions & { threshold?: number; boxThreshold?: number },
  ): Promise<TextBox[]>;
}

/** Loads ch_PP-OCRv4_det on the chosen backend. */
export async function createTextDetector(
  opts: { backend: OnnxBackendSetting; modelPath?: string },
): Promise<TextDetector> {
  const session = await createOnnxSession(opts.modelPath ?? paddleModelPath(DET_MODEL), {
    backend: opts.backend,
  });
  return {
    session,
    async detect(cv, rgba, o = {}) {
      const size = detInputSize(rgba.cols, rgba.rows, o);
      const out = await session.run({ [session.inputNames[0]]: detTensor(cv, rgba, size) });
      const prob = out[session.outputNames[0]];
      const [, , mh, mw] = prob.dims;
      return textBoxes(cv, prob.data, {
        threshold: o.threshold,
        boxThreshold: o.boxThreshold,
        map: { width: mw, height: mh },
        crop: { width: rgba.cols, height: rgba.rows },
      });
    },
  };
}
