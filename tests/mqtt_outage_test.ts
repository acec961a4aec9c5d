/**
 * MQTT against a real mosquitto when things go wrong: a retained control command is not replayed on
 * reconnects, queued messages survive a restart of the system during an outage, and delivery
 * resumes about a second after the broker comes back.
 */
import assert from "node:assert/strict";
import mqtt from "mqtt";
import { startBroker } from "./helpers/mosquitto.ts";
import { listen } from "./helpers/mqtt_listener.ts";
import { startProxy } from "./helpers/tcp_proxy.ts";
import { waitFor } from "./helpers/wait.ts";
import { firstSeqs, loneMqtt, mqttConfig, seqResult } from "./helpers/mqtt_system.ts";
import type { JobControl, MqttSystem } from "../actors/mqtt/mqtt_system.ts";

const T = { sanitizeResources: false, sanitizeOps: false };

const connected = (sys: MqttSystem, name: string) =>
  waitFor(() => sys.status(name)?.state === "connected", { what: `${name} connected` });

/** Jobs that only record the commands they get. */
function recordingJobs(calls: string[]): JobControl {
  return {
    start: (camId) => {
      calls.push(`start ${camId}`);
      return Promise.resolve({ status: "started", cam_id: camId });
    },
    stop: (camId) => {
      calls.push(`stop ${camId}`);
      return Promise.resolve({ status: "stopped", cam_id: camId });
    },
    config: () => undefined,
    camIds: () => [],
  };
}

Deno.test({
  ...T,
  name: "mqtt: a retained stop on <base>/<cam>/set is ignored at connect and after a reconnect; " +
    "live commands still run",
  fn: async () => {
    const broker = await startBroker();
    const proxy = startProxy(broker.port);
    const pub = await mqtt.connectAsync(broker.url, { clientId: "ctl-pub" });
    const calls: string[] = [];
    await pub.publishAsync("ctl/cam1/set", JSON.stringify({ command: "stop" }), {
      qos: 1,
      retain: true,
    });
    const m = await loneMqtt(
      [mqttConfig({ name: "c", port: proxy.port, base_topic: "ctl", control: true })],
      { jobs: recordingJobs(calls) },
    );
    // The broker replays retained messages when the subscription is made, before anything published
    // after it, and commands run in arrival order: once a live marker ran, a replay would have too.
    const marker = (camId: string) =>
      waitFor(async () => {
        await pub.publishAsync(`ctl/${camId}/set`, JSON.stringify({ command: "start" }), {
          qos: 1,
        });
        return calls.includes(`start ${camId}`);
      }, { what: `live start of ${camId} ran`, everyMs: 200 });
    try {
      await connected(m.sys, "c");
      await marker("cam2");
      assert.deepEqual(
        calls.filter((c) => c.startsWith("stop")),
        [],
        "no replayed stop at connect",
      );
      proxy.cut();
      await waitFor(() => {
        const s = m.sys.status("c");
        return s && s.restarts >= 1 && s.state === "connected";
      }, { what: "reconnected" });
      await marker("cam3");
      assert.deepEqual(calls.filter((c) => c.startsWith("stop")), [], "no replayed stop later");
      await pub.publishAsync("ctl/cam1/set", JSON.stringify({ command: "stop" }), { qos: 1 });
      await waitFor(() => calls.includes("stop cam1"), { what: "a live stop runs" });
    } finally {
      await pub.endAsync(true);
      await m.close();
      await proxy.close();
      await broker.close();
    }
  },
});

Deno.test({
  ...T,
  name: "mqtt: messages queued during an outage survive a restart of the system, in order, up to " +
    "outbox_size; the oldest beyond it are dropped and counted",
  fn: async () => {
    const broker = await startBroker({ persistence: true });
    const sub = await listen(broker.url, ["keep/#"], { clientId: "keep-sub", clean: false });
    const dataDir = await Deno.makeTempDir({ prefix: "visionroi-outbox-" });
    const cfg = mqttConfig({
      name: "k",
      port: broker.port,
      base_topic: "keep",
      qos: 1,
      outbox_size: 20,
    });
    let m = await loneMqtt([cfg], { dataDir });
    try {
      await connected(m.sys, "k");
      await broker.stop();
      await waitFor(() => m.sys.status("k")?.state !== "connected", { what: "link down" });
      for (let i = 0; i < 30; i++) m.sys.sink(seqResult(i, "k"));
      assert.deepEqual(pick(m.sys.status("k")!), { queued: 20, sent: 0, dropped: 10 });
      await m.close(); // the server stops while the broker is still away
      m = await loneMqtt([cfg], { dataDir });
      assert.deepEqual(pick(m.sys.status("k")!), { queued: 20, sent: 0, dropped: 10 });
      await broker.start();
      const topic = "keep/src/g/r1";
      await sub.until(
        (ms) => firstSeqs(ms.filter((x) => x.topic === topic).map((x) => x.payload)).length >= 20,
        "the 20 kept messages",
        20_000,
      );
      const seqs = firstSeqs(sub.on(topic).map((x) => x.payload));
      assert.deepEqual(
        seqs,
        Array.from({ length: 20 }, (_, i) => i + 10),
        "the newest 20, in order",
      );
      await waitFor(() => m.sys.status("k")?.queued === 0, { what: "outbox empty" });
      assert.deepEqual(pick(m.sys.status("k")!), { queued: 0, sent: 20, dropped: 10 });
    } finally {
      await sub.close();
      await m.close();
      await broker.close();
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});

Deno.test({
  ...T,
  name: "mqtt: after an 8 s outage, delivery resumes about a second after the broker is back",
  fn: async () => {
    const broker = await startBroker();
    const m = await loneMqtt([
      mqttConfig({ name: "r", port: broker.port, base_topic: "r", qos: 1 }),
    ]);
    try {
      await connected(m.sys, "r");
      const delays: number[] = [];
      const off = m.sys.supervisor.onChange((st) => {
        if (st.state === "restarting" && st.nextRestartAt) {
          delays.push(st.nextRestartAt - Date.now());
        }
      });
      await broker.stop();
      await waitFor(() => m.sys.status("r")?.state !== "connected", { what: "link down" });
      m.sys.sink(seqResult(1, "r"));
      await new Promise((r) => setTimeout(r, 8_000)); // the outage itself
      assert.equal(m.sys.status("r")!.sent, 0);
      off();
      // The broker is probed at least every second while it is away (0.5 s, then 1 s).
      assert.ok(delays.length >= 6, `${delays.length} probes in 8 s: ${delays.join(", ")}`);
      assert.ok(Math.max(...delays) <= 1_000, `probe delays ${delays.join(", ")} ms`);
      await broker.start();
      const back = performance.now();
      await waitFor(() => m.sys.status("r")?.sent === 1, {
        what: "the queued message acknowledged",
        everyMs: 10,
      });
      const ms = Math.round(performance.now() - back);
      console.log(`mqtt: delivery resumed ${ms} ms after the broker was back (goal ≤ 1500 ms)`);
      // The goal is 1.5 s (a probe every second); a loaded 2-core machine gets slack.
      assert.ok(ms <= 3_000, `delivery resumed after ${ms} ms`);
    } finally {
      await m.close();
      await broker.close();
    }
  },
});

function pick(s: { queued: number; sent: number; dropped: number }) {
  return { queued: s.queued, sent: s.sent, dropped: s.dropped };
}
