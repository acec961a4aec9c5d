/**
 * `deno task cluster-demo`: a local 3-server NATS cluster with JetStream (the Debian `nats-server`,
 * files in a temp dir) and 3 VisionROI nodes on loopback ports (the first creates the demo source
 * and its job); prints the URLs and stops everything on Ctrl-C.
 */
import { join } from "node:path";
import { startNatsCluster } from "../tests/helpers/nats.ts";

const MOD = new URL("../mod.ts", import.meta.url).pathname;

async function main(): Promise<void> {
  const nats = await startNatsCluster(3);
  console.log(`NATS cluster (JetStream, R=3): ${nats.urls}`);
  const nodes: Deno.ChildProcess[] = [];
  const urls: string[] = [];
  for (let i = 1; i <= 3; i++) {
    const dataDir = join(nats.dir, `node${i}`);
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        MOD,
        "--port",
        "0",
        "--data-dir",
        dataDir,
        "--nats",
        nats.urls,
        "--node-id",
        `node${i}`,
        "--workers",
        "1",
        ...(i === 1 ? [] : ["--no-demo"]),
      ],
      stdout: "piped",
      stderr: "inherit",
      stdin: "null",
    }).spawn();
    nodes.push(child);
    urls.push(await listeningUrl(child.stdout, `node${i}`));
  }
  console.log("\nVisionROI nodes (each serves the whole cluster):");
  for (const [i, url] of urls.entries()) console.log(`  node${i + 1}: ${url}/home`);
  console.log(`\nCluster view: ${urls[0]}/api/cluster`);
  console.log(`Files: ${nats.dir}\nCtrl-C stops everything.`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log("\nstopping…");
    for (const n of nodes) {
      try {
        n.kill("SIGTERM");
      } catch { /* exited already */ }
    }
    await Promise.all(nodes.map((n) => n.status));
    await nats.close();
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGINT", () => void stop());
  Deno.addSignalListener("SIGTERM", () => void stop());
}

/** Reads a node's stdout until its "listening on" line, then keeps echoing it prefixed. */
async function listeningUrl(stream: ReadableStream<Uint8Array>, name: string): Promise<string> {
  const decoder = new TextDecoderStream() as unknown as TransformStream<Uint8Array, string>;
  const reader = stream.pipeThrough(decoder).getReader();
  let buf = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`${name} exited before listening`);
    buf += value;
    const m = /listening on (http:\/\/[^/\s]+)\//.exec(buf);
    if (m) {
      void (async () => {
        for (;;) {
          const r = await reader.read();
          if (r.done) return;
          for (const line of r.value.split("\n")) if (line) console.log(`[${name}] ${line}`);
        }
      })();
      return m[1];
    }
  }
}

if (import.meta.main) await main();
