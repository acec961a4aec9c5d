/**
 * Plausibility rules end to end: a real server process runs the demo job (its counter steps by
 * one a second); rules saved while it runs reach it at once. Readings that break a rule reach
 * neither a real mosquitto's state topic nor the history as accepted; /ws_roi_result shows them
 * rejected with the reason; metrics count them by module and rule; the PreValue the job kept
 * survives a restart of the server process.
 */
import assert from "node:assert/strict";
import { startBroker } from "./helpers/mosquitto.ts";
import { listen } from "./helpers/mqtt_listener.ts";
import { startServer } from "./helpers/server.ts";
import { waitFor } from "./helpers/wait.ts";
import { demoRois } from "../actors/frame_sources/demo.ts";
import type { FrameResult, RoiResultEntry } from "../actors/jobs/result_bus.ts";

const T = { sanitizeResources: false, sanitizeOps: false };

const json = (body: unknown): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
});

Deno.test({
  ...T,
  name:
    "rules e2e: rejected readings stay off MQTT and the history, show on the socket and in metrics",
  fn: async () => {
    const broker = await startBroker();
    const sub = await listen(broker.url, ["vision/#", "homeassistant/#"]);
    const root = await Deno.makeTempDir({ prefix: "visionroi-rules-" });
    const dataDir = `${root}/data_sources`;
    let server = await startServer(dataDir);
    const seen: RoiResultEntry[] = [];
    let ws: WebSocket | undefined;
    try {
      const cfg = await fetch(
        `${server.url}/mqtt_configs`,
        json({
          name: "plant",
          host: "127.0.0.1",
          port: broker.port,
          base_topic: "vision",
          qos: 1,
          ha_discovery: true,
        }),
      );
      assert.equal(cfg.status, 201);
      await cfg.body?.cancel();
      ws = new WebSocket(`${server.url.replace("http", "ws")}/ws_roi_result/demo`);
      ws.onmessage = (e) => {
        const m = JSON.parse(e.data) as Partial<FrameResult>;
        if (m.results) seen.push(...m.results);
      };
      await new Promise((r) => ws!.onopen = r);
      // The demo job runs already; its source's ROI set changes under it.
      const rules: Record<string, unknown> = {
        counter: { max_delta: 0.5 },
        temperature: { max: 10 },
        pressure: { min: 0, max: 10, decimals: 2 },
      };
      const rois = demoRois("demo").map((r) => ({
        ...r,
        mqtt_config: "plant",
        ...(rules[r.id] ? { rules: rules[r.id] } : {}),
      }));
      const saved = await fetch(`${server.url}/save_roi`, json({ source: "demo", rois }));
      assert.equal(saved.status, 200);
      await saved.body?.cancel();

      // The socket shows both kinds of rejection with the reason in words.
      const counterRejected = await waitFor(
        () => seen.find((e) => e.id === "counter" && e.status === "rejected"),
        { timeoutMs: 60_000, what: "a rejected counter reading on /ws_roi_result" },
      );
      assert.match(counterRejected.reason!, /^delta \d+ > 0\.5$/);
      assert.equal(typeof counterRejected.value, "number");
      const tempRejected = seen.find((e) => e.id === "temperature" && e.status === "rejected");
      assert.ok(tempRejected, "temperature is judged in the same frames");
      assert.match(tempRejected.reason!, /^value \d+(\.\d)? > max 10$/);
      const accepted = seen.find((e) => e.id === "counter" && e.status === "accepted")!;
      assert.ok(accepted, "the first counter reading after the edit was accepted");
      const v0 = accepted.value!;
      assert.equal(Number(accepted.text), v0);
      assert.equal(
        seen.find((e) => e.id === "pump_lamp")?.status,
        undefined,
        "no rules: no status",
      );

      // MQTT: wait for pressure (its rules pass) from a frame after the first rejection; messages
      // of one connection arrive in order, so anything of the earlier frames has arrived by then.
      const after = counterRejected.frame_time;
      await sub.until(
        (ms) =>
          ms.some((m) =>
            m.topic === "vision/demo/demo/pressure" && JSON.parse(m.payload).frame_time > after
          ),
        "a later pressure reading on MQTT",
        60_000,
      );
      assert.deepEqual(sub.on("vision/demo/demo/temperature"), [], "no rejected temperature");
      const counterMsgs = sub.on("vision/demo/demo/counter").map((m) => JSON.parse(m.payload));
      // (The first frame after the edit may come before the connection opened: not asserted.)
      for (const p of counterMsgs) {
        assert.equal(p.value, v0, "only the accepted counter value reaches the state topic");
        assert.equal(Number(p.text), v0);
      }
      const pressure = sub.on("vision/demo/demo/pressure").map((m) => JSON.parse(m.payload));
      for (const p of pressure) {
        // `decimals: 2` rounds 1.015 half up to 1.02.
        assert.ok(Math.abs(p.value - Number(p.text)) <= 0.005 + 1e-9, `${p.value} of ${p.text}`);
        assert.equal(Number(p.value.toFixed(2)), p.value);
      }
      const discovery = sub.messages.find((m) =>
        m.topic.startsWith("homeassistant/sensor/") && m.topic.endsWith("/demo_counter/config")
      );
      assert.ok(discovery, "discovery for the counter");
      assert.equal(JSON.parse(discovery.payload).value_template, "{{ value_json.value }}");

      // History: rejected rows carry their status and reason; no accepted row has another value.
      const hist = await (await fetch(`${server.url}/api/results?source=demo&format=json`)).json();
      const rows = hist.rows as Record<string, unknown>[];
      const counterRows = rows.filter((r) => r.roi_id === "counter" && r.status !== null);
      assert.ok(
        counterRows.some((r) => r.status === "rejected" && /^delta/.test(String(r.reason))),
      );
      for (const r of counterRows.filter((r) => r.status === "accepted")) assert.equal(r.value, v0);
      const tempRows = rows.filter((r) => r.roi_id === "temperature" && r.status !== null);
      assert.ok(tempRows.length > 0);
      assert.ok(tempRows.every((r) => r.status === "rejected" && r.reason !== null));
      const csv = await (await fetch(`${server.url}/api/results?source=demo&format=csv`)).text();
      assert.ok(csv.split("\n")[0].endsWith(",status,reason"));

      // Metrics: counted by module and rule kind, never by the text.
      const text = await (await fetch(`${server.url}/metrics`)).text();
      const count = (reason: string) =>
        Number(
          new RegExp(
            `^visionroi_roi_rejected_total\\{module="sevenseg",reason="${reason}"\\} (\\d+)`,
            "m",
          )
            .exec(text)?.[1] ?? 0,
        );
      assert.ok(count("max_delta") >= 1, text);
      assert.ok(count("max") >= 1);

      // The PreValue the job kept is the accepted value and survives a server restart.
      const path = "/api/rois/demo/counter/prevalue";
      const pre = await (await fetch(server.url + path)).json();
      assert.equal(pre.value, v0);
      assert.equal(pre.last.status, "rejected");
      ws.close();
      ws = undefined;
      server.child.kill("SIGTERM");
      assert.equal((await server.exited()).code, 0);
      server = await startServer(dataDir);
      const restored = await (await fetch(server.url + path)).json();
      assert.equal(restored.value, v0);
      assert.equal(restored.time, pre.time);
    } finally {
      ws?.close();
      await server.kill9();
      await sub.close();
      await broker.close();
      await Deno.remove(root, { recursive: true });
    }
  },
});
