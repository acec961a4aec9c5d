/**
 * The single binary: built with `deno task compile`, started, and asked for `/_healthz`. Deno must
 * fetch its `denort` runtime for this (or find DENORT_BIN); where it cannot, the test reports itself
 * skipped with the reason.
 */
import assert from "node:assert/strict";
import { waitFor } from "./helpers/wait.ts";

const root = new URL("..", import.meta.url).pathname;
const outDir = await Deno.makeTempDir({ prefix: "visionroi-bin-" });
const binary = `${outDir}/visionroi`;

const build = await new Deno.Command(Deno.execPath(), {
  args: ["run", "-A", "scripts/compile.ts", binary],
  cwd: root,
  stdout: "piped",
  stderr: "piped",
}).output();
const buildLog = new TextDecoder().decode(build.stderr);
const unreachable = !build.success && /could not download its denort/.test(buildLog);
if (unreachable) {
  console.log(
    "compile_test: SKIPPED — the denort runtime cannot be downloaded here and DENORT_BIN is not set",
  );
  await Deno.remove(outDir, { recursive: true });
}

Deno.test({
  name: "the compiled binary starts and answers /_healthz",
  ignore: unreachable,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    assert.ok(build.success, `compile failed:\n${buildLog}`);
    const data = `${outDir}/data`;
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = listener.addr.port;
    listener.close();
    const child = new Deno.Command(binary, {
      args: ["--port", String(port), "--data-dir", data],
      stdout: "null",
      stderr: "null",
    }).spawn();
    try {
      const text = await waitFor(async () => {
        try {
          const r = await fetch(`http://127.0.0.1:${port}/_healthz`);
          return await r.text();
        } catch {
          return undefined; // not listening yet
        }
      }, { timeoutMs: 30_000, what: "/_healthz" });
      assert.equal(text, "ok");
      const snap = await fetch(`http://127.0.0.1:${port}/ws_snapshot/demo`);
      assert.equal(snap.headers.get("content-type"), "image/jpeg");
      await snap.arrayBuffer();
    } finally {
      child.kill("SIGTERM");
      await child.status;
      await Deno.remove(outDir, { recursive: true });
    }
  },
});
