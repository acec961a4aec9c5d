/**
 * `deno task client` from a terminal: with nothing listening it names the URL it tried and how to
 * set it; `upload --source nosuch` is refused before any byte of the file is sent (real server).
 */
import assert from "node:assert/strict";
import { startServer } from "./helpers/server.ts";

const CLIENT = new URL("../scripts/client.ts", import.meta.url).pathname;

async function client(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLIENT, ...args],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const dec = new TextDecoder();
  return { code: r.code, out: dec.decode(r.stdout), err: dec.decode(r.stderr) };
}

Deno.test("client with nothing listening names the URL it tried and how to set it", async () => {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const url = `http://127.0.0.1:${(l.addr as Deno.NetAddr).port}`;
  l.close();
  const r = await client(["list", "--server", url]);
  assert.equal(r.code, 1, r.err);
  assert.ok(r.err.includes(url), r.err);
  assert.match(r.err, /--server URL or VISIONROI_URL/);
});

Deno.test({
  name: "client upload --source nosuch fails before sending the file",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "visionroi-client-" });
    const server = await startServer(`${dir}/data`, ["--no-demo"]);
    try {
      const file = `${dir}/big.mp4`;
      await Deno.writeFile(file, new Uint8Array(4 * 1024 * 1024));
      const r = await client(["upload", file, "--source", "nosuch", "--server", server.url]);
      assert.equal(r.code, 1, r.err);
      assert.match(r.err, /no source "nosuch" on http:\/\/127\.0\.0\.1:\d+ \(it has none yet\)/);
      assert.doesNotMatch(r.err, /upload \d/, "no upload progress: nothing was sent");
      const tasks = (await (await fetch(`${server.url}/api/batch`)).json()).tasks;
      assert.deepEqual(tasks, []);
    } finally {
      server.child.kill("SIGTERM");
      await server.exited();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
