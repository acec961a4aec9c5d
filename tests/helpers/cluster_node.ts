/** One server process as a node of a test cluster, as the cluster tests and the bench start them. */
import assert from "node:assert/strict";
import { demoRois } from "../../actors/frame_sources/demo.ts";
import { createSource, post } from "./http.ts";
import { type ServerProcess, startServer } from "./server.ts";

/** The flags of a cluster node: no demo, one worker, `--capacity` when given, NATS and node id. */
export function clusterNodeArgs(
  nats: string,
  opts: { nodeId: string; capacity?: number | string },
): string[] {
  const capacity = opts.capacity === undefined ? [] : ["--capacity", String(opts.capacity)];
  return ["--no-demo", "--workers", "1", ...capacity, "--nats", nats, "--node-id", opts.nodeId];
}

/** Starts a cluster node in `dataDir` on the NATS servers `nats` (comma-separated URLs). */
export function startClusterNode(
  dataDir: string,
  opts: { nats: string; nodeId: string; capacity?: number | string },
): Promise<ServerProcess> {
  return startServer(dataDir, clusterNodeArgs(opts.nats, opts));
}

/** Prints what each node said about the cluster, MQTT and errors (its last 40 such lines). */
export function printNodeOutput(nodes: ServerProcess[]): void {
  for (const [i, n] of nodes.entries()) {
    const lines = n.output().split("\n").filter((l) => /mqtt|cluster|nats|error/i.test(l));
    console.error(`--- n${i + 1} ---\n${lines.slice(-40).join("\n")}`);
  }
}

/** Wakes any paused node and kills every node (kill -9), waiting for each to exit. */
export async function stopNodes(nodes: ServerProcess[]): Promise<void> {
  for (const n of nodes) {
    try {
      Deno.kill(n.pid, "SIGCONT");
    } catch { /* exited already */ }
    await n.kill9();
  }
}

/**
 * Through `url`: the `demo` source, an MQTT config `plant` on the broker at `brokerPort` (base
 * topic `vision`, QoS 1) and the demo's ROIs with the first one publishing to it; returns those ROIs.
 */
export async function saveDemoOnPlant(url: string, brokerPort: number) {
  await createSource(url, "demo", "demo");
  const cfg = await post(`${url}/mqtt_configs`, {
    name: "plant",
    host: "127.0.0.1",
    port: brokerPort,
    base_topic: "vision",
    qos: 1,
  });
  assert.equal(cfg.status, 201, JSON.stringify(cfg.json));
  const rois = demoRois().map((r, i) => (i === 0 ? { ...r, mqtt_config: "plant" } : r));
  const saved = await post(`${url}/save_roi`, { source: "demo", rois });
  assert.equal(saved.status, 200, JSON.stringify(saved.json));
  return rois;
}
