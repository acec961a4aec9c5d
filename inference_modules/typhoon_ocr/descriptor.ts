/** `typhoon_ocr`: a vision-language model behind an OpenAI-compatible chat completions endpoint. */
import { z } from "zod";
import type { ModuleDescriptor } from "../module_types.ts";

/** Per-ROI params; base URL, model and key fall back to TYPHOON_OCR_BASE_URL / _MODEL / _API_KEY. */
export const typhoonParams = z.object({
  /** API base including the version path, e.g. `http://127.0.0.1:8000/v1`; default from env. */
  baseUrl: z.string().url().optional(),
  /** Model name; default from env. */
  model: z.string().min(1).max(200).optional(),
  /** Bearer token; default from env (prefer env: params are stored in rois.json). */
  apiKey: z.string().min(1).optional(),
  /** What the model is asked. */
  prompt: z.string().min(1).max(2000).default(
    "Read the text in this image. Answer with the text only, exactly as written, nothing else.",
  ),
  /** Milliseconds to wait for an answer. */
  timeoutMs: z.number().int().min(100).max(300_000).default(30_000),
  /** Upper bound on the answer's length, in tokens. */
  maxTokens: z.number().int().min(1).max(16_384).default(256),
});

/** Registry entry of `typhoon_ocr`. */
export const descriptor: ModuleDescriptor = {
  name: "typhoon_ocr",
  description: "Vision-language OCR over an OpenAI-compatible /v1/chat/completions endpoint.",
  params: typhoonParams,
  output: "text",
  engineUrl: new URL("./engine.ts", import.meta.url),
};
