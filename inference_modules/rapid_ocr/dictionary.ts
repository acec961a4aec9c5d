/**
 * The English character dictionary of PaddleOCR's recognisers. en_PP-OCRv4_rec.onnx carries no
 * metadata; its 97 output classes are blank + the 95 entries of en_PP-OCRv3_rec_infer.onnx's
 * `character` metadata (which ends with a space) + the extra space of `use_space_char`.
 */
import { readOnnxMetadataFile } from "../onnx/onnx_metadata.ts";
import { DICT_MODEL, paddleModelPath } from "./paddle_models.ts";

/** Class index → character; index 0 is the CTC blank (""). */
export type CtcClasses = readonly string[];

/** Builds the CTC class list from a `character` metadata string (one character per line). */
export function ctcClassesFromDictionary(dict: string): CtcClasses {
  const chars = dict.split("\n");
  if (chars.at(-1) === "") chars.pop();
  return ["", ...chars, " "];
}

let cached: Promise<CtcClasses> | undefined;

async function loadEnglish(): Promise<CtcClasses> {
  const path = paddleModelPath(DICT_MODEL);
  const meta = await readOnnxMetadataFile(path);
  const dict = meta["character"];
  if (!dict) throw new Error(`${path} has no "character" metadata (keys: ${Object.keys(meta)})`);
  return ctcClassesFromDictionary(dict);
}

/** The English CTC classes (97), read once per isolate from the PP-OCRv3 model's metadata. */
export function englishCtcClasses(): Promise<CtcClasses> {
  cached ??= loadEnglish();
  // The caller still gets the rejection; this only lets the next call read the file again.
  cached.catch(() => (cached = undefined));
  return cached;
}
