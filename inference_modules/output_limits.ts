/**
 * What a module may return: `text` up to {@linkcode MAX_TEXT_BYTES} (cut beyond, flagged
 * `truncated`), `data` up to {@linkcode MAX_DATA_BYTES} of JSON (dropped beyond, flagged), numbers
 * only where numbers belong. Applied in the module process before an answer is sent and again in
 * the pool, so no module can push an unbounded answer into the logs or the history DB.
 */
import { capText, MAX_TEXT_BYTES } from "../storage/text_cap.ts";
import type { ReadOutput } from "./module_types.ts";

export { MAX_TEXT_BYTES };

/** Most bytes of JSON a module's `data` may take (64 KiB); larger data is dropped. */
export const MAX_DATA_BYTES = 65_536;

/** A module's answer within the limits, and whether anything was cut or dropped. */
export function limitOutput(output: ReadOutput): { output: ReadOutput; truncated: boolean } {
  const raw = output?.text;
  const { text, truncated: textCut } = capText(typeof raw === "string" ? raw : String(raw ?? ""));
  const out: ReadOutput = { text };
  if (typeof output?.value === "number" && Number.isFinite(output.value)) out.value = output.value;
  if (typeof output?.confidence === "number" && Number.isFinite(output.confidence)) {
    out.confidence = output.confidence;
  }
  let dataCut = false;
  if (output?.data !== undefined) {
    let json: string | undefined;
    try {
      json = JSON.stringify(output.data);
    } catch {
      json = undefined; // cyclic or BigInt: not data a result can carry
    }
    if (json !== undefined && json.length <= MAX_DATA_BYTES) out.data = JSON.parse(json);
    else dataCut = true;
  }
  return { output: out, truncated: textCut || dataCut };
}
