import assert from "node:assert/strict";
import { resolve } from "node:path";
import { ConfigError, loadConfig } from "./config.ts";

const noEnv = () => undefined;

Deno.test("config defaults: port 5000, loopback, ./data_sources, demo on", () => {
  const c = loadConfig([], noEnv);
  assert.equal(c.port, 5000);
  assert.equal(c.host, "127.0.0.1");
  assert.equal(c.dataDir, resolve("data_sources"));
  assert.equal(c.demo, true);
  assert.equal(c.onnxBackend, "auto");
});

Deno.test("config flags win over environment variables", () => {
  const env = (n: string) =>
    ({ VISIONROI_PORT: "6000", VISIONROI_HOST: "0.0.0.0", VISIONROI_DATA_DIR: "/tmp/x" })[n];
  assert.deepEqual(
    [loadConfig([], env).port, loadConfig([], env).host, loadConfig([], env).dataDir],
    [6000, "0.0.0.0", "/tmp/x"],
  );
  const c = loadConfig(["--port", "7000", "--data-dir", "/tmp/y", "--no-demo"], env);
  assert.equal(c.port, 7000);
  assert.equal(c.dataDir, "/tmp/y");
  assert.equal(c.demo, false);
});

Deno.test("config rejects a bad value naming the field and the value", () => {
  assert.throws(() => loadConfig(["--port", "70000"], noEnv), (e: Error) => {
    assert.ok(e instanceof ConfigError);
    assert.match(e.message, /port "70000"/);
    return true;
  });
  assert.throws(() => loadConfig(["--onnx-backend", "gpu"], noEnv), /onnxBackend "gpu"/);
  assert.throws(() => loadConfig(["--bogus"], noEnv), /bogus/);
});

Deno.test("config: WebSocket buffer 2 MiB and stall timeout 30 s by default; bad values named", () => {
  const c = loadConfig([], noEnv);
  assert.equal(c.wsBufferBytes, 2 * 1024 * 1024);
  assert.equal(c.wsStallTimeoutS, 30);
  const set = loadConfig(
    ["--ws-buffer", "262144"],
    (n) => ({ VISIONROI_WS_STALL_TIMEOUT: "5" })[n],
  );
  assert.deepEqual([set.wsBufferBytes, set.wsStallTimeoutS], [262_144, 5]);
  assert.throws(() => loadConfig(["--ws-buffer", "1000"], noEnv), /wsBufferBytes "1000"/);
  assert.throws(() => loadConfig(["--ws-stall-timeout", "0"], noEnv), /wsStallTimeoutS "0"/);
});
