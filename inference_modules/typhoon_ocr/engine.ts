/** Worker side of `typhoon_ocr`: one chat completion per crop, the crop as a PNG data URL. */
import { encodeBase64 } from "../base64.ts";
import type { CreateEngine, ModuleEngine } from "../module_types.ts";
import { mainNumber } from "../main_number.ts";
import { encodePng } from "../png_encode.ts";
import { typhoonParams } from "./descriptor.ts";

/** Creates the engine; settings are resolved per read so env and params can both apply. */
export const createEngine: CreateEngine = (ctx) => {
  const engine: ModuleEngine = {
    async read(crop, params) {
      const p = typhoonParams.parse(params);
      const base = p.baseUrl ?? ctx.env.TYPHOON_OCR_BASE_URL;
      const model = p.model ?? ctx.env.TYPHOON_OCR_MODEL;
      const key = p.apiKey ?? ctx.env.TYPHOON_OCR_API_KEY;
      if (!base) {
        throw new Error("typhoon_ocr needs a base URL: params.baseUrl or TYPHOON_OCR_BASE_URL");
      }
      if (!model) throw new Error("typhoon_ocr needs a model: params.model or TYPHOON_OCR_MODEL");
      const url = `${base.replace(/\/+$/, "")}/chat/completions`;
      const image = `data:image/png;base64,${encodeBase64(await encodePng(crop))}`;
      const body = {
        model,
        temperature: 0,
        max_tokens: p.maxTokens,
        messages: [{
          role: "user",
          content: [{ type: "text", text: p.prompt }, {
            type: "image_url",
            image_url: { url: image },
          }],
        }],
      };
      const text = await complete(url, key, body, p.timeoutMs);
      return { text, value: mainNumber(text) };
    },
  };
  return Promise.resolve(engine);
};

async function complete(
  url: string,
  key: string | undefined,
  body: unknown,
  timeoutMs: number,
): Promise<string> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (key) headers.authorization = `Bearer ${key}`;
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      headers,
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === "TimeoutError") {
      throw new Error(`typhoon_ocr: no answer from ${url} within ${timeoutMs} ms`);
    }
    throw new Error(`typhoon_ocr: cannot reach ${url}: ${(e as Error).message}`);
  }
  const raw = await res.text();
  if (!res.ok) {
    throw new Error(`typhoon_ocr: HTTP ${res.status} from ${url}: ${errorDetail(raw)}`);
  }
  return answerText(raw, url);
}

function errorDetail(raw: string): string {
  try {
    const j = JSON.parse(raw);
    const m = j?.error?.message ?? j?.message ?? j?.detail;
    if (typeof m === "string") return m.slice(0, 300);
  } catch (e) {
    if (!(e instanceof SyntaxError)) throw e;
  }
  return raw.slice(0, 300) || "(empty body)";
}

/** The first choice's text; Typhoon OCR models may wrap it as JSON `{"natural_text": …}`. */
function answerText(raw: string, url: string): string {
  let content: unknown;
  try {
    content = JSON.parse(raw)?.choices?.[0]?.message?.content;
  } catch (e) {
    if (e instanceof SyntaxError) throw new Error(`typhoon_ocr: ${url} answered non-JSON`);
    throw e;
  }
  if (Array.isArray(content)) {
    content = content.map((part) => (typeof part?.text === "string" ? part.text : "")).join("");
  }
  if (typeof content !== "string") {
    throw new Error(`typhoon_ocr: ${url} answered no message content`);
  }
  const trimmed = content.trim();
  if (trimmed.startsWith("{")) {
    try {
      const inner = JSON.parse(trimmed);
      if (typeof inner?.natural_text === "string") return inner.natural_text.trim();
    } catch (e) {
      if (!(e instanceof SyntaxError)) throw e;
    }
  }
  return trimmed;
}
