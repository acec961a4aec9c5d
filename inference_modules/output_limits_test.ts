import assert from "node:assert/strict";
import { limitOutput, MAX_DATA_BYTES, MAX_TEXT_BYTES } from "./output_limits.ts";
import { capText } from "../storage/text_cap.ts";

Deno.test("capText keeps short text and cuts long text on a character boundary", () => {
  assert.deepEqual(capText("42.5"), { text: "42.5", truncated: false });
  const thai = "ค".repeat(2000); // 3 bytes each: 6000 bytes
  const cut = capText(thai);
  assert.equal(cut.truncated, true);
  assert.equal(cut.text, "ค".repeat(1365)); // 4095 bytes: the next character would pass 4096
  assert.equal(capText("a".repeat(MAX_TEXT_BYTES)).truncated, false);
  assert.equal(capText("a".repeat(MAX_TEXT_BYTES + 1)).text.length, MAX_TEXT_BYTES);
  assert.deepEqual(capText("x😀", 3), { text: "x", truncated: true });
});

Deno.test("limitOutput cuts text, drops oversized data and non-numbers, and says so", () => {
  const big = limitOutput({ text: "z".repeat(64 * 1024 * 1024), value: 1 });
  assert.equal(big.output.text.length, MAX_TEXT_BYTES);
  assert.equal(big.output.value, 1);
  assert.equal(big.truncated, true);
  const data = limitOutput({ text: "ok", data: { s: "d".repeat(MAX_DATA_BYTES) } });
  assert.deepEqual(data, { output: { text: "ok" }, truncated: true });
  const small = limitOutput({ text: "ok", data: { boxes: [1, 2] }, confidence: 0.9 });
  assert.deepEqual(small, {
    output: { text: "ok", confidence: 0.9, data: { boxes: [1, 2] } },
    truncated: false,
  });
  const odd = limitOutput({
    text: 7 as unknown as string,
    value: NaN,
    confidence: "1" as unknown as number,
  });
  assert.deepEqual(odd, { output: { text: "7" }, truncated: false });
});
