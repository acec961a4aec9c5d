/** PaddleOCR line recognition: tensor, one ONNX run per batch, greedy CTC decode. */
import type { Cv } from "../cv_loader.ts";
import type { OnnxBackendSetting } from "../onnx/runtime_loader.ts";
import { createOnnxSession, type FloatTensor, type OnnxSession } from "../onnx/onnx_session.ts";
import { type CtcDecodeOptions, ctcGreedyDecode, type CtcResult } from "./ctc_decode.ts";
import { type CtcClasses, englishCtcClasses } from "./dictionary.ts";
import { paddleModelPath, REC_MODEL } from "./paddle_models.ts";
import { recTensor, type RecTensorOptions } from "./rec_tensor.ts";

/** A loaded recogniser. */
export interface TextRecognizer {
  /** The ONNX session (exposed so the benchmark can time inference alone). */
  readonly session: OnnxSession;
  /** Class index → character. */
  readonly classes: CtcClasses;
  /** Runs the model on a prepared tensor and returns `[N, T, C]` probabilities. */
  infer(tensor: FloatTensor): Promise<FloatTensor>;
  /** Recognises each Mat as one line; `allowed` restricts the classes (see ctcGreedyDecode). */
  recognize(
    cv: Cv,
    mats: readonly Cv[],
    opts?: RecTensorOptions & { allowed?: Uint8Array; spaceThreshold?: number },
  ): Promise<CtcResult[]>;
}

/** Decodes every sequence of an `[N, T, C]` output. */
export function decodeBatch(
  out: FloatTensor,
  classes: CtcClasses,
  opts: Pick<CtcDecodeOptions, "allowed" | "spaceThreshold"> = {},
): CtcResult[] {
  const [n, steps, c] = out.dims;
  if (c !== classes.length) {
    throw new RangeError(`recogniser has ${c} classes but the dictionary gives ${classes.length}`);
  }
  const results: CtcResult[] = [];
  for (let i = 0; i < n; i++) {
    results.push(ctcGreedyDecode(out.data, classes, { ...opts, steps, offset: i * steps * c }));
  }
  return results;
}

/** Loads en_PP-OCRv4_rec on the chosen backend with the English dictionary. */
export async function createTextRecognizer(
  opts: { backend: OnnxBackendSetting; modelPath?: string },
): Promise<TextRecognizer> {
  const [session, classes] = await Promise.all([
    createOnnxSession(opts.modelPath ?? paddleModelPath(REC_MODEL), { backend: opts.backend }),
    englishCtcClasses(),
  ]);
  const infer = async (tensor: FloatTensor) => {
    const out = await session.run({ [session.inputNames[0]]: tensor });
    return out[session.outputNames[0]];
  };
  return {
    session,
    classes,
    infer,
    async recognize(cv, mats, o = {}) {
      if (mats.length === 0) return [];
      return decodeBatch(await infer(recTensor(cv, mats, o)), classes, o);
    },
  };
}
