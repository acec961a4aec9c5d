import assert from "node:assert/strict";
import { loadCv, splitOpenCvSource } from "./cv_loader.ts";

Deno.test("splitOpenCvSource takes the base64 WebAssembly out and hands the factory its argument", () => {
  const source = 'var a=1;var wasmBinaryFile="data:application/octet-stream;base64,AGFzbQ==";' +
    "if(x){}\n  return cv(Module);\n}));";
  const parts = splitOpenCvSource(source);
  assert.deepEqual(parts, {
    glue: 'var a=1;var wasmBinaryFile="";if(x){}\n  return cv(__moduleArg);\n}));',
    wasmBase64: "AGFzbQ==",
  });
  assert.equal(splitOpenCvSource("var a=1; return cv(Module);"), undefined);
  assert.equal(
    splitOpenCvSource('var wasmBinaryFile="data:application/octet-stream;base64,AA";'),
    undefined,
    "no factory call after the WebAssembly",
  );
});

Deno.test("loadCv loads the installed opencv.js split, and it computes", async () => {
  const { cv, loadedBy } = await loadCv();
  assert.equal(loadedBy, "split");
  assert.equal(typeof cv.then, "undefined", "the handle must not be thenable");
  // A 2×2 gray image scaled to 4×4 with nearest neighbour repeats each pixel in a 2×2 block.
  const src = cv.matFromArray(2, 2, cv.CV_8UC1, [10, 20, 30, 40]);
  const dst = new cv.Mat();
  try {
    cv.resize(src, dst, new cv.Size(4, 4), 0, 0, cv.INTER_NEAREST);
    assert.deepEqual([...dst.data], [
      10,
      10,
      20,
      20,
      10,
      10,
      20,
      20,
      30,
      30,
      40,
      40,
      30,
      30,
      40,
      40,
    ]);
  } finally {
    src.delete();
    dst.delete();
  }
  assert.equal((await loadCv()).cv, cv, "loaded once per thread");
});
