/**
 * Cluster mode and MQTT across a failover: a real mosquitto and a real nats-server, 2 nodes. The
 * broker goes down, results of a job queue in its owner's outbox (the KV bucket
 * `visionroi_mqtt_outbox`), the owner is killed with -9, the broker comes back: the job's new owner
 * publishes every queued result, each exactly once.
 */
import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { Kvm } from "@nats-io/kv";
import { createSource, post } from "./helpers/http.ts";
import type { ServerProcess } from "./helpers/server.ts";
import { startClusterNode } from "./helpers/cluster_node.ts";
import { natsServerAvailable, startNatsCluster } from "./helpers/nats.ts";
import { waitFor } from "./helpers/wait.ts";
import { startBroker } from "./helpers/mosquitto.ts";
import { listen as listenMqtt } from "./helpers/mqtt_listener.ts";
import { demoRois } from "../actors/frame_sources/demo.ts";
import { encodeToken } from "../actors/state/kv_backend.ts";

const AVAILABLE = natsServerAvailable();
const IN_CI = Deno.env.get("CI") !== undefined;

interface ResultPayload {
  cam_id: string;
  roi_id: string;
  result_time: number;
}

Deno.test({
  name: "cluster mqtt: results queued on a node while the broker is down are published once " +
    "by the job's next owner after kill -9",
  ignore: !AVAILABLE && !IN_CI,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const nats = await startNatsCluster(1);
    const dirs = [1, 2].map(() => Deno.makeTempDirSync({ prefix: "visionroi-node-" }));
    const nodes: ServerProcess[] = [];
    const nc = await connect({ servers: nats.urls.split(","), maxReconnectAttempts: -1 });
    const broker = await startBroker();
    const sub = await listenMqtt(broker.url, ["vision/#"]);
    const results = (): ResultPayload[] =>
      sub.messages.map((m) => m.payload).filter((p) => p.startsWith("{"))
        .map((p) => JSON.parse(p)).filter((m) => "roi_id" in m && m.cam_id === "j1");
    try {
      nodes.push(
        ...await Promise.all(
          dirs.map((d, i) => startClusterNode(d, { nats: nats.urls, nodeId: `n${i + 1}` })),
        ),
      );
      await createSource(nodes[0].url, "demo", "demo");
      const cfg = await post(`${nodes[0].url}/mqtt_configs`, {
        name: "plant",
        host: "127.0.0.1",
        port: broker.port,
        base_topic: "vision",
        qos: 1,
      });
      assert.equal(cfg.status, 201, JSON.stringify(cfg.json));
      const rois = demoRois().map((r, i) => (i === 0 ? { ...r, mqtt_config: "plant" } : r));
      const saved = await post(`${nodes[0].url}/save_roi`, { source: "demo", rois });
      assert.equal(saved.status, 200, JSON.stringify(saved.json));
      await waitFor(async () => {
        const body = await (await fetch(`${nodes[1].url}/load_roi/demo`)).json();
        return body.rois?.[0]?.mqtt_config === "plant";
      }, { timeoutMs: 15_000, what: "the ROIs on node 2" });
      const start = await post(`${nodes[0].url}/start_inference/j1`, {
        name: "demo",
        group: "all",
        interval: 0.5,
      });
      assert.equal(start.status, 200, JSON.stringify(start.json));
      const ownerId = await waitFor(async () => {
        const v = await (await fetch(`${nodes[0].url}/api/cluster`)).json();
        return v.jobs?.j1 || undefined;
      }, { timeoutMs: 20_000, what: "an owner of j1" }) as string;
      const owner = nodes[Number(ownerId.slice(1)) - 1];
      // No --capacity: each node measured it at start (and an idle node takes a job anyway).
      const v = await (await fetch(`${nodes[1].url}/api/cluster`)).json();
      for (const n of v.nodes as { capacity: number; calibration: Record<string, number> }[]) {
        assert.ok(n.calibration?.reads_per_s > 0, JSON.stringify(n));
        assert.equal(n.capacity, n.calibration.capacity, JSON.stringify(n));
      }
      console.log(`capacities measured: ${v.nodes.map((n: { capacity: number }) => n.capacity)}`);
      await waitFor(() => results().length >= 2, { timeoutMs: 20_000, what: "MQTT results" });

      // Broker down: results queue in the owner's outbox, i.e. in the KV bucket under its name.
      await broker.stop();
      const kv = await new Kvm(nc).open("visionroi_mqtt_outbox");
      const queued = async () => {
        const out: ResultPayload[] = [];
        for await (const k of await kv.keys(`${encodeToken(ownerId)}.>`)) {
          const e = await kv.get(k);
          if (e && e.operation === "PUT" && e.length > 0) {
            out.push(JSON.parse(e.json<{ payload: string }>().payload));
          }
        }
        return out;
      };
      await waitFor(async () => (await queued()).length >= 3, {
        timeoutMs: 20_000,
        what: "3 results queued in the bucket",
      });
      const kept = await queued();
      await owner.kill9();
      const tKill = Date.now();

      // Broker back: the survivor takes the job and publishes what the dead node had queued.
      await broker.start();
      const key = (m: ResultPayload) => `${m.roi_id}@${m.result_time}`;
      await waitFor(() => {
        const got = new Set(results().map(key));
        return kept.every((m) => got.has(key(m)));
      }, { timeoutMs: 40_000, what: `the ${kept.length} queued results on the broker` });
      console.log(
        `${kept.length} queued results published by the survivor ${
          ((Date.now() - tKill) / 1000).toFixed(1)
        } s after the kill`,
      );
      const all = results().map(key);
      const twice = all.filter((k, i) => all.indexOf(k) !== i);
      assert.deepEqual(twice, [], "MQTT results published twice");
      // What the dead node had queued leaves the bucket once adopted.
      await waitFor(async () => (await queued()).length === 0, {
        timeoutMs: 20_000,
        what: "the dead node's entries deleted after adoption",
      });

      // Availability: each node has its own topic with its own last will, so a node killed while
      // others run says `offline` there, and `vision/status` (what every node says `online` on)
      // is not turned `offline` by it.
      const d3 = Deno.makeTempDirSync({ prefix: "visionroi-node-" });
      dirs.push(d3);
      const n3 = await startClusterNode(d3, { nats: nats.urls, nodeId: "n3" });
      nodes.push(n3);
      await sub.until(
        (ms) => ms.some((m) => m.topic === "vision/status/n3" && m.payload === "online"),
        "n3 online on vision/status/n3",
        20_000,
      );
      const before = sub.messages.length;
      await n3.kill9();
      await sub.until(
        (ms) =>
          ms.slice(before).some((m) => m.topic === "vision/status/n3" && m.payload === "offline"),
        "n3's last will on vision/status/n3",
        20_000,
      );
      const status = sub.on("vision/status");
      assert.equal(status.at(-1)?.payload, "online", "vision/status while a node is up");
      assert.ok(
        !sub.messages.slice(before).some((m) =>
          m.topic === "vision/status" && m.payload === "offline"
        ),
        "no offline on vision/status from a dead node's will",
      );
    } finally {
      for (const n of nodes) await n.kill9();
      await nc.close().catch(() => undefined);
      await sub.close();
      await broker.close();
      await nats.close();
      for (const d of dirs) await Deno.remove(d, { recursive: true }).catch(() => undefined);
    }
  },
});
