import assert from "node:assert/strict";
import { resolve } from "node:path";
import { ConfigError, FLAGS, isLoopbackHost, loadConfig, usage } from "./config.ts";

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

Deno.test("loopback is 127.0.0.0/8 literals, [::1] and localhost, with an optional port; nothing else", () => {
  for (const h of ["127.0.0.1", "127.9.9.9:5000", "localhost", "LOCALHOST:80", "[::1]", "::1"]) {
    assert.equal(isLoopbackHost(h), true, h);
  }
  for (
    const h of [
      "127.9.9.9.attacker.example",
      "127.0.0.1.nip.io",
      "localhost.attacker.example",
      "app.localhost",
      "127.0.0.256",
      "0.0.0.0",
      "128.0.0.1",
      "",
    ]
  ) {
    assert.equal(isLoopbackHost(h), false, h);
  }
});

Deno.test("config --allowed-hosts: a lowercased comma list; a URL is refused", () => {
  const c = loadConfig(["--allowed-hosts", "Cam.Example, .site.example"], noEnv);
  assert.deepEqual(c.allowedHosts, ["cam.example", ".site.example"]);
  assert.deepEqual(loadConfig([], noEnv).allowedHosts, []);
  assert.throws(() => loadConfig(["--allowed-hosts", "http://x/"], noEnv), /allowedHosts/);
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

Deno.test("an unknown flag is a ConfigError naming it; --help lists every flag with its variable", () => {
  assert.throws(
    () => loadConfig(["--prot", "5000"], () => undefined),
    (err: unknown) =>
      err instanceof ConfigError && /Unknown option '--prot'/.test(err.message) &&
      err.message.includes("--help"),
  );
  const text = usage();
  for (const [flag, env] of FLAGS) {
    assert.ok(text.includes(flag) && text.includes(env), `${flag} in --help`);
  }
  // Every flag --help lists is one the parser accepts (the list and the parser agree).
  for (const [flag] of FLAGS.filter(([f]) => f.startsWith("--"))) {
    try {
      loadConfig(flag === "--no-demo" ? [flag] : [flag, "x"], () => undefined);
    } catch (err) {
      assert.ok(!/Unknown option/.test((err as Error).message), `${flag}: ${err}`);
    }
  }
});
