import assert from "node:assert/strict";
import { readOnnxMetadata } from "./onnx_metadata.ts";
import { paddleModelPath } from "../rapid_ocr/paddle_models.ts";

/** Protobuf bytes: tag, length, payload for a length-delimited field. */
function field(num: number, payload: Uint8Array): Uint8Array {
  return new Uint8Array([(num << 3) | 2, payload.length, ...payload]);
}
const text = (s: string) => new TextEncoder().encode(s);

Deno.test("readOnnxMetadata reads metadata_props and skips other fields of every wire type", () => {
  const entry = new Uint8Array([...field(1, text("k")), ...field(2, text("v1"))]);
  const model = new Uint8Array([
    0x08,
    0x07, // ir_version = 7 (varint)
    ...field(7, text("graph bytes")), // graph, skipped
    ...field(14, entry),
    0x1d,
    1,
    2,
    3,
    4, // field 3, fixed32
  ]);
  assert.deepEqual(readOnnxMetadata(model), { k: "v1" });
});

Deno.test("readOnnxMetadata rejects a truncated field instead of reading past the end", () => {
  assert.throws(() => readOnnxMetadata(new Uint8Array([(14 << 3) | 2, 50, 1])), /overruns/);
});

Deno.test("en_PP-OCRv3_rec_infer.onnx carries the 95-entry English dictionary", async () => {
  const meta = readOnnxMetadata(await Deno.readFile(paddleModelPath("en_PP-OCRv3_rec_infer.onnx")));
  const chars = meta["character"].split("\n").filter((c, i, a) =>
    !(i === a.length - 1 && c === "")
  );
  assert.equal(chars.length, 95);
  assert.deepEqual(chars.slice(0, 3), ["0", "1", "2"]);
  assert.equal(chars.at(-1), " ");
});
