import assert from "node:assert/strict";
import { createOnnxSession, ModelLoadError } from "./onnx_session.ts";
import { paddleModelPath, REC_MODEL } from "../rapid_ocr/paddle_models.ts";

const rec = paddleModelPath(REC_MODEL);
const opts = { sanitizeOps: false, sanitizeResources: false };

function tensor(width: number) {
  const data = new Float32Array(3 * 48 * width);
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 0.37) * 0.8;
  return { data, dims: [1, 3, 48, width] };
}

Deno.test({
  name: "web and node backends give the same recogniser output for the same tensor",
  ...opts,
  async fn() {
    const web = await createOnnxSession(rec, { backend: "web" });
    const node = await createOnnxSession(rec, { backend: "node" });
    assert.equal(web.backend, "web");
    assert.equal(node.backend, "node");
    assert.deepEqual(web.inputNames, ["x"]);
    const input = { x: tensor(160) };
    const [a, b] = [await web.run(input), await node.run(input)];
    const out = web.outputNames[0];
    assert.deepEqual(a[out].dims, b[out].dims);
    assert.equal(a[out].dims[2], 97);
    let maxDiff = 0;
    for (let i = 0; i < a[out].data.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(a[out].data[i] - b[out].data[i]));
    }
    assert.ok(maxDiff < 1e-3, `max difference ${maxDiff}`);
  },
});

Deno.test({
  name: "auto picks onnxruntime-node when it loads, and sessions are cached per path",
  ...opts,
  async fn() {
    const s1 = await createOnnxSession(rec, { backend: "auto" });
    const s2 = await createOnnxSession(rec, { backend: "auto" });
    assert.equal(s1.backend, "node");
    assert.equal(s1.fallbackReason, undefined);
    assert.equal(s1, s2);
  },
});

Deno.test({
  name: "a missing model file is a ModelLoadError naming the path",
  ...opts,
  async fn() {
    await assert.rejects(
      () => createOnnxSession("/nonexistent/model.onnx", { backend: "web" }),
      (e: Error) => e instanceof ModelLoadError && e.message.includes("/nonexistent/model.onnx"),
    );
  },
});

Deno.test({
  name: "bytes that are not a model are a ModelLoadError naming the backend",
  ...opts,
  async fn() {
    await assert.rejects(
      () => createOnnxSession(new Uint8Array([1, 2, 3]), { backend: "node" }),
      (e: Error) => e instanceof ModelLoadError && /onnxruntime-node cannot load/.test(e.message),
    );
  },
});

Deno.test({
  name: "auto falls back to onnxruntime-web and says why when node cannot load (no --allow-ffi)",
  ...opts,
  async fn() {
    const script = await Deno.makeTempFile({ suffix: ".ts" });
    const session = new URL("./onnx_session.ts", import.meta.url).href;
    await Deno.writeTextFile(
      script,
      `import { createOnnxSession } from ${JSON.stringify(session)};
       const s = await createOnnxSession(${JSON.stringify(rec)}, { backend: "auto" });
       console.log(JSON.stringify({ backend: s.backend, reason: s.fallbackReason }));`,
    );
    const config = new URL("../../deno.json", import.meta.url).pathname;
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--config", config, "--allow-read", "--allow-env", "--allow-sys", script],
      stdout: "piped",
      stderr: "piped",
    }).output();
    await Deno.remove(script);
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, stderr);
    const got = JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").at(-1)!);
    assert.equal(got.backend, "web");
    assert.match(got.reason, /onnxruntime-node did not load/);
  },
});
