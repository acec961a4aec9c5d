/**
 * Cluster mode and MQTT across a failover: a real mosquitto and a real nats-server, 2 nodes. The
 * broker goes down, results of a job queue in its owner's outbox (the KV bucket
 * `visionroi_mqtt_outbox`), the owner is killed with -9, the broker comes back: the job's new owner
 * publishes every queued result, each exactly once. A node paused (SIGSTOP) while it holds queued
 * messages sends none of them after waking: the job's new owner took them and sends each once.
 */
import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { Kvm } from "@nats-io/kv";
import { post } from "./helpers/http.ts";
import type { ServerProcess } from "./helpers/server.ts";
import {
  printNodeOutput,
  saveDemoOnPlant,
  startClusterNode,
  stopNodes,
} from "./helpers/cluster_node.ts";
import { natsTestOptions, startNatsCluster, withNats } from "./helpers/nats.ts";
import { waitFor } from "./helpers/wait.ts";
import { startBroker } from "./helpers/mosquitto.ts";
import { startProxy } from "./helpers/tcp_proxy.ts";
import { listen as listenMqtt } from "./helpers/mqtt_listener.ts";
import { encodeToken } from "../actors/state/kv_backend.ts";
import { ClusterOutbox } from "../actors/cluster/mqtt_outbox_kv.ts";
import { MqttOutbox } from "../actors/mqtt/mqtt_outbox.ts";

const NATS_TEST = natsTestOptions("cluster_mqtt_test");

interface ResultPayload {
  cam_id: string;
  roi_id: string;
  result_time: number;
}

/**
 * Two nodes, a broker, the demo source with its first ROI on MQTT config "plant", job j1. With
 * `viaProxy` the nodes reach the broker through a TCP forwarder (`proxy`) that the test can block
 * while the test's own subscriber stays connected (it misses nothing sent meanwhile).
 */
async function mqttCluster(opts: { viaProxy?: boolean } = {}) {
  const nats = await startNatsCluster(1);
  const dirs = [1, 2].map(() => Deno.makeTempDirSync({ prefix: "visionroi-node-" }));
  const nodes: ServerProcess[] = [];
  const nc = await connect({ servers: nats.urls.split(","), maxReconnectAttempts: -1 });
  const broker = await startBroker();
  const sub = await listenMqtt(broker.url, ["vision/#"]);
  const proxy = opts.viaProxy ? startProxy(broker.port) : undefined;
  const results = (): ResultPayload[] =>
    sub.messages.map((m) => m.payload).filter((p) => p.startsWith("{"))
      .map((p) => JSON.parse(p)).filter((m) => "roi_id" in m && m.cam_id === "j1");
  const close = async () => {
    await stopNodes(nodes);
    await nc.close().catch(() => undefined);
    await sub.close();
    await proxy?.close();
    await broker.close();
    await nats.close();
    for (const d of dirs) await Deno.remove(d, { recursive: true }).catch(() => undefined);
  };
  try {
    nodes.push(
      ...await Promise.all(
        dirs.map((d, i) => startClusterNode(d, { nats: nats.urls, nodeId: `n${i + 1}` })),
      ),
    );
    await saveDemoOnPlant(nodes[0].url, proxy?.port ?? broker.port);
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
    const kv = await new Kvm(nc).open("visionroi_mqtt_outbox");
    /** The results queued in the bucket under `node`'s name. */
    const queued = async (node: string) => {
      const out: ResultPayload[] = [];
      for await (const k of await kv.keys(`${encodeToken(node)}.>`)) {
        const e = await kv.get(k);
        if (e && e.operation === "PUT" && e.length > 0) {
          out.push(JSON.parse(e.json<{ payload: string }>().payload));
        }
      }
      return out;
    };
    const key = (m: ResultPayload) => `${m.roi_id}@${m.result_time}`;
    /** Results that reached the broker more than once. */
    const twice = () => {
      const all = results().map(key);
      return all.filter((k, i) => all.indexOf(k) !== i);
    };
    return {
      nats,
      dirs,
      nodes,
      broker,
      proxy,
      sub,
      results,
      ownerId,
      owner,
      queued,
      key,
      twice,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

Deno.test({
  name: "cluster mqtt: results queued on a node while the broker is down are published once " +
    "by the job's next owner after kill -9",
  ...NATS_TEST,
  fn: async () => {
    const c = await mqttCluster();
    const { nodes, broker, sub, results, ownerId, owner, queued, key, twice } = c;
    try {
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
      await waitFor(async () => (await queued(ownerId)).length >= 3, {
        timeoutMs: 20_000,
        what: "3 results queued in the bucket",
      });
      const kept = await queued(ownerId);
      await owner.kill9();
      const tKill = Date.now();

      // Broker back: the survivor takes the job and publishes what the dead node had queued.
      await broker.start();
      await waitFor(() => {
        const got = new Set(results().map(key));
        return kept.every((m) => got.has(key(m)));
      }, { timeoutMs: 40_000, what: `the ${kept.length} queued results on the broker` });
      console.log(
        `${kept.length} queued results published by the survivor ${
          ((Date.now() - tKill) / 1000).toFixed(1)
        } s after the kill`,
      );
      assert.deepEqual(twice(), [], "MQTT results published twice");
      // What the dead node had queued leaves the bucket once adopted.
      await waitFor(async () => (await queued(ownerId)).length === 0, {
        timeoutMs: 20_000,
        what: "the dead node's entries deleted after adoption",
      });

      // Availability: each node has its own topic with its own last will, so a node killed while
      // others run says `offline` there, and `vision/status` (what every node says `online` on)
      // is not turned `offline` by it.
      const d3 = Deno.makeTempDirSync({ prefix: "visionroi-node-" });
      c.dirs.push(d3);
      const n3 = await startClusterNode(d3, { nats: c.nats.urls, nodeId: "n3" });
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
      await c.close();
    }
  },
});

Deno.test({
  name: "cluster mqtt: a node paused while it holds queued results sends none of them after " +
    "waking; the job's new owner sends each once",
  ...NATS_TEST,
  fn: async () => {
    const c = await mqttCluster({ viaProxy: true });
    const { nodes, results, ownerId, owner, queued, key, twice } = c;
    const proxy = c.proxy!;
    const other = nodes.find((n) => n !== owner)!;
    const otherId = ownerId === "n1" ? "n2" : "n1";
    try {
      await waitFor(() => results().length >= 2, { timeoutMs: 20_000, what: "MQTT results" });
      // The broker out of the nodes' reach (the test's subscriber stays connected).
      proxy.block();
      await waitFor(async () => (await queued(ownerId)).length >= 3, {
        timeoutMs: 20_000,
        what: "3 results queued in the bucket",
      });
      // Paused, not killed: the node keeps its queue in memory while the other takes the job and
      // adopts the queued results from the bucket.
      Deno.kill(owner.pid, "SIGSTOP");
      await waitFor(async () => {
        const v = await (await fetch(`${other.url}/api/cluster`)).json();
        return v.jobs?.j1 === otherId;
      }, { timeoutMs: 20_000, what: `j1 owned by ${otherId}` });
      await waitFor(async () => (await queued(ownerId)).length === 0, {
        timeoutMs: 20_000,
        what: "the paused node's queued results adopted",
      });
      const adopted = await queued(otherId);
      assert.ok(adopted.length >= 3, `adopted ${adopted.length}`);
      proxy.unblock();
      Deno.kill(owner.pid, "SIGCONT");
      await waitFor(() => {
        const got = new Set(results().map(key));
        return adopted.every((m) => got.has(key(m)));
      }, { timeoutMs: 40_000, what: `the ${adopted.length} adopted results on the broker` });
      // The woken node's queue empties without sending (its lease lapsed, its entries are gone).
      await waitFor(async () => {
        const list = await (await fetch(`${owner.url}/mqtt_configs`)).json() as {
          status: { queued: number; state: string } | null;
        }[];
        return list[0]?.status?.state === "connected" && list[0].status.queued === 0;
      }, { timeoutMs: 20_000, what: `${ownerId}'s outbox empty after waking` });
      // One more result from the new owner, so anything the woken node sent had time to arrive.
      const seen = results().length;
      await waitFor(() => results().length > seen, { timeoutMs: 20_000, what: "a newer result" });
      assert.deepEqual(twice(), [], "MQTT results published twice");
    } catch (err) {
      // What the nodes said (their cluster and MQTT lines) is what tells why.
      printNodeOutput(nodes);
      throw err;
    } finally {
      await c.close();
    }
  },
});

Deno.test({
  name: "cluster mqtt outbox: a live node's messages are adopted only after a lease time of " +
    "ownership; the node then forgets them, and could adopt them back",
  ...NATS_TEST,
  fn: () =>
    withNats(async (nc) => {
      const boxes: ClusterOutbox[] = [];
      try {
        const kvm = new Kvm(nc);
        const a = await ClusterOutbox.open(kvm, "a", 1);
        const b = await ClusterOutbox.open(kvm, "b", 1);
        boxes.push(a, b);
        const none = { load: () => ({ messages: [], sent: 0, dropped: 0 }) };
        const local = { ...none, add: () => {}, remove: () => {}, counters: () => {} };
        const outA = new MqttOutbox(10, a.persistence("plant", local));
        const outB = new MqttOutbox(10, b.persistence("plant", local));
        for (let i = 1; i <= 3; i++) {
          outA.push({
            topic: "vision/x",
            payload: String(i),
            qos: 1,
            retain: false,
            queuedAt: i,
            id: `m${i}`,
            camId: "j1",
          });
        }
        await a.stop(); // the puts are done
        const forgotten: number[] = [];
        const deps = (ownedForMs: number) => ({
          alive: () => true,
          owns: (cam: string) => cam === "j1",
          ownedForMs: () => ownedForMs,
          push: (_: string, msg: Parameters<MqttOutbox["push"]>[0]) => (outB.push(msg), true),
          forget: (_: string, seqs: ReadonlySet<number>) => void forgotten.push(...seqs),
        });
        assert.equal(await b.adopt(deps(1_000)), 0, "a is alive and may still send: not yet");
        assert.equal(await b.adopt(deps(7_000)), 3, "owned for a lease time: adopted");
        assert.deepEqual(outB.stats().queued, 3);
        assert.equal(await a.forgetAdopted(deps(0)), 3);
        assert.deepEqual(forgotten.sort(), [1, 2, 3]);
        assert.equal(await a.forgetAdopted(deps(0)), 0, "once");
        // b's entries, adopted back by a (b gone): a sends them, as it no longer counts them as its own.
        const gone = { ...deps(0), alive: () => false };
        const backA = new MqttOutbox(10);
        assert.equal(
          await a.adopt({ ...gone, push: (_: string, msg) => (backA.push(msg), true) }),
          3,
        );
        assert.deepEqual(
          [...Array(3)].map(() => backA.take(0)!.msg.payload),
          ["1", "2", "3"],
          "in order",
        );
      } finally {
        for (const box of boxes) await box.stop();
      }
    }),
});
