import assert from "node:assert/strict";
import { summarise } from "./LogTail.tsx";

Deno.test("log tail keeps two-line OCR text on one line", () => {
  const line = "2026-12-03T08:07:28.123Z - INFO - AGGREGATED_ROI " +
    JSON.stringify({ results: [{ id: "1", text: "LINE A\nLINE B" }, { id: "2", text: "7" }] });
  assert.equal(summarise(line), "08:07:28  1=LINE A ⏎ LINE B, 2=7");
});
