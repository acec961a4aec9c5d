import assert from "node:assert/strict";
import { readOnnxMetadata, readOnnxMetadataFile } from "./onnx_metadata.ts";
import { paddleModelPath } from "../rapid_ocr/paddle_models.ts";

/** Protobuf bytes: tag, length, payload for a length-delimited field. */
function field(num: number, payload: Uint8Array): Uint8Array {
  return new Uint8Array([(num << 3) | 2, payload.length, ...payload]);
}
const text = (s: string) => new TextEncoder().encode(s);

Deno.test("readOnnxMetadata reads metadata_props and skips other fields of every wire type", async () => {
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
  const path = await Deno.makeTempFile({ suffix: ".onnx" });
  try {
    await Deno.writeFile(path, model);
    assert.deepEqual(await readOnnxMetadataFile(path), { k: "v1" });
    await Deno.writeFile(path, new Uint8Array([(14 << 3) | 2, 50, 1]));
    await assert.rejects(readOnnxMetadataFile(path), /overruns/);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("readOnnxMetadataFile reads what readOnnxMetadata reads, for every PaddleOCR model", async () => {
  const dir = paddleModelPath("");
  for await (const entry of Deno.readDir(dir)) {
    if (!entry.name.endsWith(".onnx")) continue;
    const path = dir + entry.name;
    assert.deepEqual(
      await readOnnxMetadataFile(path),
      readOnnxMetadata(await Deno.readFile(path)),
      entry.name,
    );
  }
  const meta = await readOnnxMetadataFile(paddleModelPath("en_PP-OCRv3_rec_infer.onnx"));
  assert.ok(meta["character"]?.startsWith("0\n1\n2"));
  assert.ok(Object.keys(meta).length > 0);
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
