/**
 * MQTT against a local mosquitto: throughput of 10,000 QoS 0 and QoS 1 results through the MQTT
 * system (sink → outbox → connection actor → broker → a subscriber), raw mqtt.js beside it for
 * scale, and the latency MQTT adds to one result (ResultBus publish → subscriber has it).
 */
import mqtt from "mqtt";
import { ResultBus } from "../actors/jobs/result_bus.ts";
import { startBroker } from "../tests/helpers/mosquitto.ts";
import { listen, type Listener } from "../tests/helpers/mqtt_listener.ts";
import { loneMqtt, mqttConfig, seqResult } from "../tests/helpers/mqtt_system.ts";
import { type BenchSection, median, percentile } from "./section.ts";

const N = 10_000;
const RUNS = 3;
const LATENCY_SAMPLES = 300;

/** Runs the section. */
export async function run(): Promise<BenchSection> {
  const broker = await startBroker();
  const sub = await listen(broker.url, ["bench/#"]);
  try {
    const data = {
      loadAverage: (await Deno.readTextFile("/proc/loadavg")).split(" ").slice(0, 3).join(" "),
      messages: N,
      runs: RUNS,
      qos0: await throughput(broker.port, sub, 0),
      qos1: await throughput(broker.port, sub, 1),
      rawQos0: await raw(broker.url, sub, 0),
      rawQos1: await raw(broker.url, sub, 1),
      latency: await latency(broker.port, sub),
    };
    return {
      title: "MQTT: throughput and added latency (local mosquitto)",
      markdown: md(data),
      data,
    };
  } finally {
    await sub.close();
    await broker.close();
  }
}

/** Messages per second through the MQTT system: queued → acknowledged, and → received. */
async function throughput(port: number, sub: Listener, qos: 0 | 1) {
  const acked: number[] = [], received: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const m = await loneMqtt([mqttConfig({ name: "b", port, base_topic: "bench", qos })]);
    try {
      await until(() => m.sys.status("b")?.state === "connected");
      sub.messages.length = 0;
      const results = Array.from({ length: N }, (_, i) => seqResult(i, "b"));
      const t0 = performance.now();
      for (const res of results) m.sys.sink(res);
      await until(() => m.sys.status("b")!.sent === N);
      acked.push(N / ((performance.now() - t0) / 1000));
      await until(() => sub.messages.length >= N);
      received.push(N / ((performance.now() - t0) / 1000));
    } finally {
      await m.close();
    }
  }
  return { sentPerSecond: median(acked), receivedPerSecond: median(received) };
}

/** The same with a bare mqtt.js client, every publish in flight at once. */
async function raw(url: string, sub: Listener, qos: 0 | 1) {
  const rates: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const c = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
    // 10,000 publishes at once wait on one socket's drain: expected here, not a leak.
    c.stream.setMaxListeners(0);
    try {
      sub.messages.length = 0;
      const payload = JSON.stringify(seqResult(1, "b").results[0]);
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: N }, () => c.publishAsync("bench/raw", payload, { qos })),
      );
      await until(() => sub.messages.length >= N);
      rates.push(N / ((performance.now() - t0) / 1000));
    } finally {
      await c.endAsync();
    }
  }
  return { receivedPerSecond: median(rates) };
}

/** ms from `ResultBus.publishResult` to the subscriber's callback, one result at a time. */
async function latency(port: number, sub: Listener) {
  const m = await loneMqtt([mqttConfig({ name: "b", port, base_topic: "bench", qos: 1 })]);
  const bus = new ResultBus();
  bus.addSink(m.sys.sink);
  const ms: Record<0 | 1, number[]> = { 0: [], 1: [] };
  try {
    await until(() => m.sys.status("b")?.state === "connected");
    for (const qos of [0, 1] as const) {
      await m.sys.apply(mqttConfig({ name: "b", port, base_topic: "bench", qos }));
      await until(() => m.sys.status("b")?.state === "connected");
      for (let i = 0; i < LATENCY_SAMPLES; i++) {
        const arrived = new Promise<void>((resolve) => {
          const seen = (topic: string, payload: Uint8Array) => {
            if (topic !== "bench/src/g/r1" || JSON.parse(String(payload)).text !== String(i)) {
              return;
            }
            sub.client.off("message", seen);
            resolve();
          };
          sub.client.on("message", seen);
        });
        const t0 = performance.now();
        bus.publishResult(seqResult(i, "b"));
        await arrived;
        ms[qos].push(performance.now() - t0);
      }
    }
  } finally {
    await m.close();
  }
  const stats = (xs: number[]) => ({ p50: median(xs), p95: percentile(xs, 95) });
  return { qos0: stats(ms[0]), qos1: stats(ms[1]) };
}

/** Polls `check` (every `everyMs`; 0 = each macrotask) up to 60 s. */
async function until(check: () => boolean, everyMs = 5): Promise<void> {
  const deadline = performance.now() + 60_000;
  while (!check()) {
    if (performance.now() > deadline) throw new Error("bench: timed out");
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

function md(d: {
  loadAverage: string;
  qos0: { sentPerSecond: number; receivedPerSecond: number };
  qos1: { sentPerSecond: number; receivedPerSecond: number };
  rawQos0: { receivedPerSecond: number };
  rawQos1: { receivedPerSecond: number };
  latency: { qos0: { p50: number; p95: number }; qos1: { p50: number; p95: number } };
}): string {
  const k = (x: number) => `${(x / 1000).toFixed(1)}k`;
  const f = (x: number) => x.toFixed(2);
  return [
    `${N.toLocaleString("en")} results (one ROI each, VisionROI's payload, 180 B), publisher and`,
    `subscriber in one process, mosquitto on loopback; medians of ${RUNS} runs. Load average at`,
    `the start: ${d.loadAverage} (other work was running on the machine).`,
    "",
    "| path | QoS 0 msg/s | QoS 1 msg/s |",
    "|---|---|---|",
    `| MQTT system, broker has it (sent; QoS 1 = PUBACKed) | ${k(d.qos0.sentPerSecond)} | ${
      k(d.qos1.sentPerSecond)
    } |`,
    `| MQTT system, subscriber has it | ${k(d.qos0.receivedPerSecond)} | ${
      k(d.qos1.receivedPerSecond)
    } |`,
    `| bare mqtt.js, subscriber has it | ${k(d.rawQos0.receivedPerSecond)} | ${
      k(d.rawQos1.receivedPerSecond)
    } |`,
    "",
    `Latency MQTT adds to a result (ResultBus publish → subscriber callback, ${LATENCY_SAMPLES} results`,
    "one at a time):",
    "",
    "| QoS | p50 ms | p95 ms |",
    "|---|---|---|",
    `| 0 | ${f(d.latency.qos0.p50)} | ${f(d.latency.qos0.p95)} |`,
    `| 1 | ${f(d.latency.qos1.p50)} | ${f(d.latency.qos1.p95)} |`,
    "",
    "VisionROI opened a new TCP connection per message (and waited up to `publish_timeout` for it).",
  ].join("\n");
}
