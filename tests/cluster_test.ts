/**
 * Cluster mode end to end: 3 real nats-server processes (one JetStream cluster, R=3 buckets) and 3
 * VisionROI processes on loopback, the demo source, 6 jobs. One scenario, in order: placement,
 * kill -9 of a node (failover), SIGSTOP/SIGCONT of another (fencing), kill of a NATS server.
 * One ROI publishes to a real mosquitto: each result reaches MQTT once (from its owner only).
 */
import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { post } from "./helpers/http.ts";
import type { ServerProcess } from "./helpers/server.ts";
import {
  printNodeOutput,
  saveDemoOnPlant,
  startClusterNode,
  stopNodes,
} from "./helpers/cluster_node.ts";
import { natsTestOptions, startNatsCluster } from "./helpers/nats.ts";
import { waitFor } from "./helpers/wait.ts";
import { startBroker } from "./helpers/mosquitto.ts";
import { listen as listenMqtt } from "./helpers/mqtt_listener.ts";
import { demoRois } from "../actors/frame_sources/demo.ts";

const NATS_TEST = natsTestOptions("cluster_test");

interface NodeRecord {
  id: string;
  owns: string[];
  fenced: number;
  at: number;
}
interface ClusterView {
  node_id: string;
  nodes: NodeRecord[];
  jobs: Record<string, string>;
}
interface Seen {
  origin: string;
  camId: string;
  resultTime: number;
  at: number;
}

const JOBS = ["j1", "j2", "j3", "j4", "j5", "j6"];
const ROI_IDS = demoRois("all").map((r) => r.id).sort();

async function view(node: ServerProcess): Promise<ClusterView> {
  const res = await fetch(`${node.url}/api/cluster`, { signal: AbortSignal.timeout(5_000) });
  assert.equal(res.status, 200);
  return await res.json();
}

/** Every job owned by exactly one live node, as `node` sees it; undefined until so. */
async function placement(node: ServerProcess, live: string[]) {
  const v = await view(node);
  const owners = new Map<string, string[]>();
  for (const n of v.nodes.filter((n) => live.includes(n.id))) {
    for (const camId of n.owns) owners.set(camId, [...(owners.get(camId) ?? []), n.id]);
  }
  const ok = JOBS.every((j) => owners.get(j)?.length === 1 && live.includes(v.jobs[j]));
  return ok ? new Map(JOBS.map((j) => [j, owners.get(j)![0]])) : undefined;
}

function listen(url: string) {
  const messages: { at: number; result: Record<string, unknown> }[] = [];
  const ws = new WebSocket(url);
  ws.onmessage = (e) => {
    const m = JSON.parse(e.data as string);
    if (Array.isArray(m.results)) messages.push({ at: Date.now(), result: m });
  };
  const opened = new Promise((r) => (ws.onopen = r));
  return { messages, opened, close: () => ws.close() };
}

Deno.test({
  name: "cluster: 6 jobs on 3 nodes, kill -9 moves work within 15 s, a paused node is fenced, " +
    "a NATS server may die",
  ...NATS_TEST,
  fn: async () => {
    const nats = await startNatsCluster(3);
    const dirs = [1, 2, 3].map(() => Deno.makeTempDirSync({ prefix: "visionroi-node-" }));
    const nodes: ServerProcess[] = [];
    const nc = await connect({ servers: nats.urls.split(","), maxReconnectAttempts: -1 });
    const seen: Seen[] = [];
    const sockets: { close(): void }[] = [];
    const broker = await startBroker();
    const mqttSub = await listenMqtt(broker.url, ["vision/#"]);
    try {
      nodes.push(
        ...await Promise.all(
          dirs.map((d, i) =>
            startClusterNode(d, { nats: nats.urls, nodeId: `n${i + 1}`, capacity: 100 })
          ),
        ),
      );
      const sub = nc.subscribe("visionroi.results.>");
      void (async () => {
        for await (const m of sub) {
          const env = m.json<{ origin: string; camId: string; result: { result_time: number } }>();
          seen.push({
            origin: env.origin,
            camId: env.camId,
            resultTime: env.result.result_time * 1000,
            at: Date.now(),
          });
        }
      })();

      // A source and its ROIs made on node 1 reach nodes 2 and 3 through the KV bucket.
      const rois = await saveDemoOnPlant(nodes[0].url, broker.port);
      for (const n of nodes.slice(1)) {
        await waitFor(async () => {
          const res = await fetch(`${n.url}/load_roi/demo`);
          const body = await res.json();
          return res.ok && Array.isArray(body.rois) && body.rois.length === ROI_IDS.length;
        }, { timeoutMs: 10_000, what: `demo ROIs on ${n.url}` });
      }

      // 6 jobs, two asked of each node: each ends up owned by exactly one node.
      for (const [i, camId] of JOBS.entries()) {
        const start = await post(`${nodes[i % 3].url}/start_inference/${camId}`, {
          name: "demo",
          group: "all",
          interval: 1,
        });
        assert.equal(start.status, 200, JSON.stringify(start.json));
      }
      const live = ["n1", "n2", "n3"];
      const owners = await waitFor(() => placement(nodes[0], live), {
        timeoutMs: 20_000,
        what: "every job owned by exactly one node",
      });
      for (const camId of JOBS) {
        await waitFor(() => seen.some((s) => s.camId === camId && s.origin === owners.get(camId)), {
          timeoutMs: 20_000,
          what: `results of ${camId} from its owner`,
        });
      }

      // Any node answers for any job: /api/jobs lists all six with their node.
      const listed = await (await fetch(`${nodes[2].url}/api/jobs`)).json() as {
        cam_id: string;
        running: boolean;
        node: string;
      }[];
      assert.deepEqual(
        listed.filter((j) => JOBS.includes(j.cam_id)).map((j) => [j.cam_id, j.running, j.node])
          .sort(),
        JOBS.map((j) => [j, true, owners.get(j)]),
      );

      // /ws/<cam_id> on a node that does not run the job relays the owner's video (JPEG frames).
      const viewer = nodes.find((_, i) => live[i] !== owners.get("j2"))!;
      const video = new WebSocket(`${viewer.url.replace("http", "ws")}/ws/j2`);
      video.binaryType = "arraybuffer";
      const jpeg = await new Promise<Uint8Array>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("no relayed frame in 20 s")), 20_000);
        video.onmessage = (e) => {
          clearTimeout(timer);
          resolve(new Uint8Array(e.data as ArrayBuffer));
        };
        video.onclose = (e) => reject(new Error(`relay closed: ${e.code} ${e.reason}`));
      });
      video.onclose = null;
      video.close();
      assert.deepEqual([...jpeg.slice(0, 2)], [0xff, 0xd8], "a JPEG frame");

      // /metrics on any node shows every job of the cluster, its owner and its newest result.
      const scrape = await (await fetch(`${nodes[2].url}/metrics`)).text();
      for (const camId of JOBS) {
        const owner = owners.get(camId);
        assert.ok(
          scrape.includes(`visionroi_cluster_job_owned{cam_id="${camId}",node="${owner}"} 1`),
          `owner of ${camId} in /metrics`,
        );
        assert.ok(
          scrape.includes(`visionroi_cluster_last_result_timestamp_seconds{cam_id="${camId}"}`),
          `newest result of ${camId} in /metrics`,
        );
      }

      // kill -9 a node that owns work: its jobs move to the others within 15 s, and results go
      // on on the same /ws_roi_result URL of a surviving node.
      const victim = owners.get("j1")!;
      const vi = live.indexOf(victim);
      const moved = JOBS.filter((j) => owners.get(j) === victim);
      const survivor = nodes[(vi + 1) % 3];
      const streams = moved.map((camId) =>
        listen(`${survivor.url.replace("http", "ws")}/ws_roi_result/${camId}`)
      );
      sockets.push(...streams);
      await Promise.all(streams.map((s) => s.opened));
      const tKill = Date.now();
      await nodes[vi].kill9();
      const live2 = live.filter((id) => id !== victim);
      const after = await waitFor(() => placement(survivor, live2), {
        timeoutMs: 15_000,
        what: `the jobs of ${victim} (${moved}) owned by the survivors`,
      });
      const failoverS = (Date.now() - tKill) / 1000;
      for (const [k, camId] of moved.entries()) {
        const fresh = await waitFor(
          () => streams[k].messages.find((m) => m.at > tKill && m.result.cam_id === camId),
          { timeoutMs: 20_000, what: `a result of ${camId} after the kill on ${survivor.url}` },
        );
        // The same config: group and ROIs as the job was started with.
        assert.equal(fresh.result.group, "all");
        const ids = (fresh.result.results as { id: string }[]).map((r) => r.id).sort();
        assert.deepEqual(ids, ROI_IDS);
      }
      const resultsS = (Math.max(...streams.map((s) => s.messages.find((m) => m.at > tKill)!.at)) -
        tKill) / 1000;
      console.log(
        `failover: ${moved.length} job(s) owned again after ${failoverS.toFixed(1)} s, ` +
          `results on a survivor after ${resultsS.toFixed(1)} s`,
      );
      assert.ok(failoverS <= 15, `owned again after ${failoverS} s`);

      // SIGSTOP a node for 20 s: its work moves; after SIGCONT it publishes nothing for it.
      const pausedId = live2.find((id) => [...after.values()].includes(id)) ?? live2[0];
      const pi = live.indexOf(pausedId);
      const other = live2.find((id) => id !== pausedId)!;
      const otherNode = nodes[live.indexOf(other)];
      const lost = JOBS.filter((j) => after.get(j) === pausedId);
      const tStop = Date.now();
      Deno.kill(nodes[pi].pid, "SIGSTOP");
      await waitFor(
        async () => {
          const v = await view(otherNode);
          return lost.every((j) => v.jobs[j] === other);
        },
        { timeoutMs: 20_000, what: `the jobs of the paused ${pausedId} on ${other}` },
      );
      const pauseMovedS = (Date.now() - tStop) / 1000;
      await new Promise((r) => setTimeout(r, Math.max(0, tStop + 20_000 - Date.now())));
      const tCont = Date.now();
      Deno.kill(nodes[pi].pid, "SIGCONT");
      // Wait until the woken node says it owns none of them (its first turn after waking).
      await waitFor(async () => {
        const v = await view(nodes[pi]);
        const me = v.nodes.find((n) => n.id === pausedId);
        return me && me.at > tCont && !lost.some((j) => me.owns.includes(j));
      }, { timeoutMs: 15_000, what: `${pausedId} to give up its lost jobs` });
      // Then one more result of each lost job from the new owner, so late messages had time.
      for (const camId of lost) {
        await waitFor(() => seen.some((s) => s.camId === camId && s.at > Date.now() - 200), {
          timeoutMs: 10_000,
          what: `a fresh result of ${camId}`,
        });
      }
      const stale = seen.filter((s) =>
        s.origin === pausedId && lost.includes(s.camId) && s.resultTime > tStop + 6_000
      );
      assert.deepEqual(stale, [], "results of lost work published after the lease lapsed");
      console.log(
        `pause: ${lost.length} job(s) moved ${pauseMovedS.toFixed(1)} s after SIGSTOP; ` +
          `no results from ${pausedId} for them after waking`,
      );

      // A NATS server of the 3 dies: the cluster goes on (R=3 buckets): a new job is placed and
      // read, and results keep coming.
      await nats.servers[0].kill();
      const tNats = Date.now();
      const started = await post(`${otherNode.url}/start_inference/j7`, {
        name: "demo",
        group: "all",
        interval: 1,
      });
      assert.equal(started.status, 200, JSON.stringify(started.json));
      await waitFor(() => seen.some((s) => s.camId === "j7" && s.at > tNats), {
        timeoutMs: 30_000,
        what: "results of a job started after a NATS server died",
      });
      await waitFor(() => seen.some((s) => s.camId === "j1" && s.at > tNats + 3_000), {
        timeoutMs: 30_000,
        what: "results of j1 after a NATS server died",
      });

      // The desired state still reaches every node: a ROI edit on one shows on the other.
      const renamed = rois.map((r, i) => (i === 0 ? { ...r, name: "renamed after the kill" } : r));
      const edit = await post(`${otherNode.url}/save_roi`, { source: "demo", rois: renamed });
      assert.equal(edit.status, 200, JSON.stringify(edit.json));
      await waitFor(async () => {
        const body = await (await fetch(`${nodes[pi].url}/load_roi/demo`)).json();
        return body.rois?.[0]?.name === "renamed after the kill";
      }, { timeoutMs: 20_000, what: `the ROI edit on ${pausedId} after a NATS server died` });

      // /_quit hands work back: the leaving node stops its jobs and deletes their leases, so the
      // other node takes them at its next turn instead of after the 6 s lease time.
      const leaving = (await view(otherNode)).nodes.find((n) => n.id === other)!.owns;
      const tQuit = Date.now();
      assert.equal((await fetch(`${otherNode.url}/_quit`, { method: "POST" })).status, 202);
      assert.equal((await otherNode.exited()).code, 0);
      await waitFor(async () => {
        const v = await view(nodes[pi]);
        return leaving.every((j) => v.jobs[j] === pausedId);
      }, { timeoutMs: 15_000, what: `the jobs of ${other} on ${pausedId} after /_quit` });
      console.log(
        `quit: ${leaving.length} job(s) handed back and taken in ${
          ((Date.now() - tQuit) / 1000).toFixed(1)
        } s`,
      );

      // MQTT: every result once (only its owner publishes; other nodes' copies never reach
      // sinks), and the moved jobs' results went on reaching MQTT after the kill.
      // Result messages only (each node also announces itself, e.g. its availability topic).
      const payloads = mqttSub.messages.map((m) => m.payload).filter((p) =>
        p.startsWith("{") && "roi_id" in JSON.parse(p)
      );
      assert.ok(payloads.length > 0, "MQTT messages");
      const twice = payloads.filter((p, i) => payloads.indexOf(p) !== i);
      assert.deepEqual(twice, [], "MQTT messages sent twice");
      for (const camId of moved) {
        assert.ok(
          payloads.some((p) => {
            const m = JSON.parse(p);
            return m.cam_id === camId && m.result_time * 1000 > tKill;
          }),
          `MQTT results of ${camId} after the failover`,
        );
      }
    } catch (err) {
      // What the nodes said (their cluster and MQTT lines) is what tells why.
      printNodeOutput(nodes);
      throw err;
    } finally {
      for (const s of sockets) s.close();
      await stopNodes(nodes);
      await nc.close().catch(() => undefined);
      await mqttSub.close();
      await broker.close();
      await nats.close();
      for (const d of dirs) await Deno.remove(d, { recursive: true }).catch(() => undefined);
    }
  },
});
