/** Memory of a real server process: what an idle install costs on a small box. */
import assert from "node:assert/strict";
import { startServer } from "./helpers/server.ts";
import { waitFor } from "./helpers/wait.ts";

function rssMb(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]) / 1024;
}

async function gauge(url: string, name: string): Promise<number | undefined> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = new RegExp(`^${name} (\\S+)$`, "m").exec(text);
  return m ? Number(m[1]) : undefined;
}

Deno.test({
  name: "an idle server with its worker started stays under 250 MB RSS (it was ~300 MB)",
  ignore: Deno.build.os !== "linux",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir();
    const server = await startServer(dir, ["--no-demo"]);
    try {
      await waitFor(async () => ((await gauge(server.url, "visionroi_pool_workers")) ?? 0) >= 1, {
        what: "a pool worker",
      });
      // What loads at start has loaded within seconds; a few samples take the steady figure.
      await new Promise((r) => setTimeout(r, 3000));
      const samples: number[] = [];
      for (let i = 0; i < 3; i++) {
        samples.push(rssMb(server.pid));
        await new Promise((r) => setTimeout(r, 500));
      }
      const rss = Math.max(...samples);
      assert.ok(rss <= 250, `idle RSS ${rss.toFixed(0)} MB`);
    } finally {
      await server.kill9();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
