/**
 * Cluster throughput: the same CPU-bound job set on 1 node and on 3 nodes, through the public API.
 * One nats-server (JetStream on, files in a temp dir), VisionROI processes each with `--workers 1`,
 * the demo source and its 4 ROIs (3 digits readouts, 1 lamp), 6 jobs with interval 0 (each asks for
 * far more reads than one worker gives). ROI reads/s are counted on the result subjects
 * (`visionroi.results.>`) for BENCH_CLUSTER_SECONDS (30) after every job produced a result.
 * 1 node: `--capacity 1000` (it takes all 6); 3 nodes: `--capacity 80` (two 40 reads/s jobs each).
 */
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { createSource, post } from "../tests/helpers/http.ts";
import type { ServerProcess } from "../tests/helpers/server.ts";
import { startClusterNode } from "../tests/helpers/cluster_node.ts";
import { natsServerAvailable, startNatsCluster } from "../tests/helpers/nats.ts";
import { demoRois } from "../actors/frame_sources/demo.ts";
import type { BenchSection } from "./section.ts";

const JOBS = ["j1", "j2", "j3", "j4", "j5", "j6"];

interface Phase {
  nodes: number;
  seconds: number;
  reads: number;
  readsPerSecond: number;
  perNode: Record<string, number>;
  owners: Record<string, string>;
  loadavgBefore: string;
  loadavgAfter: string;
  busiest: string[];
}

async function machineLoad(): Promise<{ loadavg: string; busiest: string[] }> {
  const loadavg = (await Deno.readTextFile("/proc/loadavg")).split(" ").slice(0, 3).join(" ");
  const ps = await new Deno.Command("ps", {
    args: ["-eo", "pcpu,comm", "--sort=-pcpu", "--no-headers"],
    stderr: "null",
  }).output();
  const busiest = new TextDecoder().decode(ps.stdout).trim().split("\n").slice(0, 5)
    .map((l) => l.trim().replace(/\s+/, "% "));
  return { loadavg, busiest };
}

async function until<T>(f: () => Promise<T | undefined>, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`bench cluster: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function phase(count: number, seconds: number): Promise<Phase> {
  const nats = await startNatsCluster(1);
  const dirs: string[] = [];
  const nodes: ServerProcess[] = [];
  let nc: NatsConnection | undefined;
  try {
    const capacity = count === 1 ? "1000" : "80";
    for (let i = 0; i < count; i++) dirs.push(await Deno.makeTempDir({ prefix: "visionroi-bc-" }));
    nodes.push(
      ...await Promise.all(
        dirs.map((d, i) => startClusterNode(d, { nats: nats.urls, nodeId: `n${i + 1}`, capacity })),
      ),
    );
    nc = await connect({ servers: nats.urls });
    await createSource(nodes[0].url, "demo", "demo");
    const saved = await post(`${nodes[0].url}/save_roi`, { source: "demo", rois: demoRois() });
    if (saved.status !== 200) throw new Error(`save_roi: ${JSON.stringify(saved.json)}`);
    for (const n of nodes) {
      await until(
        async () => {
          const b = await (await fetch(`${n.url}/load_roi/demo`)).json();
          return b.rois?.length === 4 ? true : undefined;
        },
        20_000,
        `ROIs on ${n.url}`,
      );
    }
    // Every node registered before the jobs come, so each takes its share.
    await until(
      async () => {
        const v = await (await fetch(`${nodes[0].url}/api/cluster`)).json();
        return v.nodes.length === count ? true : undefined;
      },
      20_000,
      "every node registered",
    );
    const counts = new Map<string, number>();
    const seenJobs = new Set<string>();
    let counting = false;
    const sub = nc.subscribe("visionroi.results.>");
    void (async () => {
      for await (const m of sub) {
        const env = m.json<
          { origin: string; camId: string; result: { results: { error?: string }[] } }
        >();
        seenJobs.add(env.camId);
        if (!counting) continue;
        const ok = env.result.results.filter((r) => !r.error).length;
        counts.set(env.origin, (counts.get(env.origin) ?? 0) + ok);
      }
    })();
    for (const camId of JOBS) {
      const a = await post(`${nodes[0].url}/start_inference/${camId}`, {
        name: "demo",
        group: "all",
        interval: 0,
      });
      if (a.status !== 200) throw new Error(`start ${camId}: ${JSON.stringify(a.json)}`);
    }
    const owners = await until(
      async () => {
        const v = await (await fetch(`${nodes[0].url}/api/cluster`)).json();
        return JOBS.every((j) => v.jobs[j]) ? v.jobs as Record<string, string> : undefined;
      },
      60_000,
      "every job owned",
    );
    await until(
      () => Promise.resolve(seenJobs.size === JOBS.length ? true : undefined),
      90_000,
      "results",
    );
    const before = await machineLoad();
    counting = true;
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, seconds * 1000));
    counting = false;
    const elapsed = (performance.now() - t0) / 1000;
    const after = await machineLoad();
    sub.unsubscribe();
    const reads = [...counts.values()].reduce((a, b) => a + b, 0);
    return {
      nodes: count,
      seconds: elapsed,
      reads,
      readsPerSecond: reads / elapsed,
      perNode: Object.fromEntries(counts),
      owners,
      loadavgBefore: before.loadavg,
      loadavgAfter: after.loadavg,
      busiest: before.busiest,
    };
  } finally {
    await nc?.close().catch(() => undefined);
    for (const n of nodes) await n.kill9();
    await nats.close();
    for (const d of dirs) await Deno.remove(d, { recursive: true }).catch(() => undefined);
  }
}

/** Runs 1 node, then 3 nodes. */
export async function run(): Promise<BenchSection> {
  const title = "Cluster: 6 CPU-bound jobs on 1 node vs 3 nodes (--workers 1 each)";
  if (!natsServerAvailable()) {
    return { title, markdown: "Skipped: nats-server is not installed.", data: { skipped: true } };
  }
  const seconds = Number(Deno.env.get("BENCH_CLUSTER_SECONDS") ?? 30);
  const one = await phase(1, seconds);
  const three = await phase(3, seconds);
  const ratio = three.readsPerSecond / one.readsPerSecond;
  const row = (p: Phase) =>
    `| ${p.nodes} | ${p.readsPerSecond.toFixed(1)} | ${
      Object.entries(p.perNode).sort().map(([n, r]) => `${n}: ${(r / p.seconds).toFixed(1)}`)
        .join(", ")
    } | ${p.loadavgBefore} / ${p.loadavgAfter} |`;
  const markdown = [
    "Demo source (1280×720 panel, 4 ROIs: 3 `digits`, 1 `light_button`), 6 jobs with interval 0 " +
    `started through \`/start_inference\`, every VisionROI process with \`--workers 1\`, one ` +
    `nats-server; ROI reads counted on the result subjects for ${seconds} s after every job ` +
    `produced a result. Run ${new Date().toISOString().slice(0, 16)}Z (this section only).`,
    "",
    "| nodes | ROI reads/s | per node | load average before / after |",
    "|---|---|---|---|",
    row(one),
    row(three),
    "",
    `**3 nodes / 1 node: ×${ratio.toFixed(2)}** (the issue asks ≥ 2.5×).`,
    "",
    `Limitation: this machine has ${navigator.hardwareConcurrency} cores, shared with other ` +
    "engineers' builds and tests, so 3 nodes here compete for the same 2 cores as 1 node (and with " +
    "nats-server and each node's camera and event loop); the figure shows what placement spreads, " +
    "not what 3 separate machines would give. Busiest processes at the start of the 3-node " +
    `measurement (lifetime %CPU): ${three.busiest.join(", ")}.`,
  ].join("\n");
  return { title, markdown, data: { one, three, ratio } };
}
