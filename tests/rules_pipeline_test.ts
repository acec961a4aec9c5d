/**
 * Issue 13's "done when": a job's readings pass through plausibility rules to MQTT, the history and
 * webhooks, end to end. A real server process reads a still image of the demo panel (counter
 * 01200, with `decimal_shift: -1` the value 120); the source is then switched to an image that shows 06200, an implausible jump for the
 * ROI's `max_rate_per_min`, that stays (settles). With `confirm_after: 3` the first two readings of
 * the new level are rejected and the third is accepted. A real mosquitto, the history
 * (`/api/results`), three webhooks (`every`, `changed`, `rejected`) on a local receiver and
 * `/metrics` must all tell the same story, reading for reading (matched by frame_time). A second
 * ROI (temperature, 23.7 then 24.6) has only `on_change_only`: its repeats reach none of them.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startBroker } from "./helpers/mosquitto.ts";
import { listen } from "./helpers/mqtt_listener.ts";
import { type Json, post } from "./helpers/http.ts";
import { writePanelPng } from "./helpers/panel.ts";
import { startServer } from "./helpers/server.ts";
import { waitFor } from "./helpers/wait.ts";
import { startReceiver } from "./helpers/webhook_receiver.ts";
import { demoRois } from "../actors/frame_sources/demo.ts";

const T = { sanitizeResources: false, sanitizeOps: false };

interface Row {
  time: number;
  roi_id: string;
  text: string;
  value: number | null;
  status: string | null;
  reason: string | null;
}

const RULES = {
  numeric: true,
  min: 0,
  max: 99999,
  decimal_shift: -1,
  max_rate_per_min: 60,
  confirm_after: 3,
};

const TEMP_RULES = { decimals: 1, on_change_only: true };

const SECRETS = { "/every": "s-every", "/changed": "s-changed", "/rejected": "s-rejected" };

Deno.test({
  ...T,
  name: "rules pipeline: a jump is rejected until confirmed; MQTT, history, webhooks and metrics " +
    "agree reading for reading",
  fn: async () => {
    const broker = await startBroker();
    const sub = await listen(broker.url, ["vision/#"]);
    const receiver = startReceiver(
      Object.fromEntries(Object.entries(SECRETS).map(([p, secret]) => [p, { secret }])),
    );
    const root = await Deno.makeTempDir({ prefix: "visionroi-rules-pipeline-" });
    const data = join(root, "data_sources");
    const imgA = join(root, "panel_a.png"), imgB = join(root, "panel_b.png");
    // Tick 0 shows counter 01200; tick 5000 shows 06200 (a jump of 500 within seconds).
    assert.equal((await writePanelPng(imgA, 0)).counter, "01200");
    assert.equal((await writePanelPng(imgB, 5000)).counter, "06200");
    // The source is written before the server starts: `fps` has no API field.
    await Deno.mkdir(join(data, "panel"), { recursive: true });
    await Deno.writeTextFile(
      join(data, "panel", "config.json"),
      JSON.stringify({ name: "panel", source: imgA, rois: "rois.json", fps: 3 }),
    );
    await Deno.writeTextFile(join(data, "panel", "rois.json"), "[]\n");
    const server = await startServer(data, ["--no-demo"]);
    const base = server.url;
    try {
      const cfg = await post(`${base}/mqtt_configs`, {
        name: "plant",
        host: "127.0.0.1",
        port: broker.port,
        base_topic: "vision",
        qos: 1,
      });
      assert.equal(cfg.status, 201, JSON.stringify(cfg.json));
      const rejectedBody = {
        roi: "{{roi_id}}",
        status: "{{status}}",
        reason: "{{reason}}",
        value: "{{value}}",
        text: "{{text}}",
        frame_time: "{{frame_time}}",
        note: "{{roi_id}} rejected: {{reason}}",
      };
      for (const when of ["every", "changed", "rejected"] as const) {
        const r = await post(`${base}/api/webhooks`, {
          name: `hook-${when}`,
          url: receiver.url(`/${when}`),
          secret: SECRETS[`/${when}`],
          when,
          sources: ["panel"],
          rois: ["counter", "temperature"],
          retry_initial_s: 0.2,
          // A slow answer on a loaded machine must not turn into a second (duplicate) delivery.
          timeout_s: 30,
          ...(when === "rejected" ? { body: rejectedBody } : {}),
        });
        assert.equal(r.status, 201, JSON.stringify(r.json));
      }
      const rois = demoRois("panel").filter((r) => r.id === "counter" || r.id === "temperature")
        .map((r) => ({
          ...r,
          mqtt_config: "plant",
          rules: r.id === "counter" ? RULES : TEMP_RULES,
        }));
      const saved = await post(`${base}/save_roi`, { source: "panel", rois });
      assert.equal(saved.status, 200, JSON.stringify(saved.json));
      const started = await post(`${base}/start_inference/cam1`, { name: "panel", interval: 0 });
      assert.deepEqual(started.json, { status: "started", cam_id: "cam1" });

      const history = async (roi = "counter"): Promise<Row[]> => {
        const r = await fetch(`${base}/api/results?source=panel&roi=${roi}&format=json`);
        assert.equal(r.status, 200);
        return ((await r.json()).rows as Row[]).sort((a, b) => a.time - b.time);
      };
      const accepted = (rows: Row[], text: string) =>
        rows.filter((r) => r.text === text && r.status === "accepted");
      await waitFor(async () => accepted(await history(), "01200").length >= 2, {
        timeoutMs: 30_000,
        what: "two accepted readings of 01200",
      });

      // The meter "jumps": the source now shows 06200, and keeps showing it.
      const swapped = await fetch(`${base}/update_source/panel`, {
        method: "PATCH",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ source: imgB }),
      });
      assert.equal(swapped.status, 200, await swapped.text());
      await waitFor(async () => accepted(await history(), "06200").length >= 2, {
        timeoutMs: 30_000,
        what: "two accepted readings of 06200",
      });
      const stopped = await post(`${base}/stop_inference/cam1`, {});
      assert.equal(stopped.status, 200);

      // The history: the judged truth, in order. 01200 accepted; then 06200 twice rejected (rate)
      // and accepted from the third agreeing reading on.
      const rows = await history();
      assert.ok(rows.every((r) => r.text === "01200" || r.text === "06200"), JSON.stringify(rows));
      const firstJump = rows.findIndex((r) => r.text === "06200");
      const before = rows.slice(0, firstJump), after = rows.slice(firstJump);
      assert.ok(before.length >= 2);
      for (const r of before) {
        assert.deepEqual([r.status, r.reason, r.value], ["accepted", null, 120]);
      }
      assert.deepEqual(after.slice(0, 2).map((r) => r.status), ["rejected", "rejected"]);
      for (const r of after.slice(0, 2)) {
        assert.match(r.reason!, /^rate \d+(\.\d+)?\/min > 60\/min$/);
        assert.equal(r.value, 620, "a rejected row keeps the value it read");
      }
      assert.ok(after.length >= 4);
      for (const r of after.slice(2)) {
        assert.deepEqual([r.status, r.reason, r.value], ["accepted", null, 620]);
      }
      const acc = rows.filter((r) => r.status === "accepted");
      const rej = rows.filter((r) => r.status === "rejected");
      assert.equal(rej.length, 2);
      const times = (list: { time?: number; frame_time?: number }[]) =>
        list.map((x) => x.time ?? x.frame_time).sort((a, b) => a! - b!);
      // Temperature, read in the same frames, changed once: its repeats (`unchanged`) are left out.
      const temps = await history("temperature");
      assert.deepEqual(
        temps.map((r) => [r.text, r.value, r.status]),
        [["23.7", 23.7, "accepted"], ["24.6", 24.6, "accepted"]],
      );
      const tempPre = await (await fetch(`${base}/api/rois/panel/temperature/prevalue`)).json();
      assert.equal(tempPre.value, 24.6);
      assert.ok(tempPre.last.time > tempPre.time, "24.6 was read again after it was accepted");

      // MQTT: exactly the accepted readings, with their value.
      const onTopic = (roi: string) =>
        sub.messages.filter((m) => m.topic.endsWith(`/${roi}`))
          .map((m) => ({ topic: m.topic, ...JSON.parse(m.payload) }));
      await waitFor(
        () => onTopic("counter").length >= acc.length && onTopic("temperature").length >= 2,
        { timeoutMs: 30_000, what: "every accepted reading on MQTT" },
      );
      assert.deepEqual(times(onTopic("temperature")), times(temps), "temperature: changes only");
      const mqtt = onTopic("counter");
      assert.ok(
        mqtt.every((m) => m.topic === mqtt[0].topic),
        JSON.stringify(mqtt.map((m) => m.topic)),
      );
      assert.deepEqual(times(mqtt), times(acc), "MQTT has exactly the accepted readings");
      for (const m of mqtt) assert.equal(m.value, Number(m.text) / 10, JSON.stringify(m));
      assert.ok(!mqtt.some((m) => m.status === "rejected"));

      // Webhooks: every queue drained, then each receiver path holds exactly its readings.
      await waitFor(async () => {
        const list = (await (await fetch(`${base}/api/webhooks`)).json()) as Json[];
        return list.length === 3 &&
          list.every((h) => (h.status as Json).queued === 0 && (h.status as Json).failed === 0);
      }, { timeoutMs: 30_000, what: "webhook queues drained" });
      const bodies = (path: string) => {
        const got = receiver.on(path);
        for (const g of got) assert.ok(g.verified, `${path}: signature of ${g.body}`);
        return got.map((g) => JSON.parse(g.body) as Json);
      };
      const every = bodies("/every").filter((b) => b.roi_id === "counter");
      assert.deepEqual(times(every), times(acc), "`every` gets exactly the accepted readings");
      const everyTemp = bodies("/every").filter((b) => b.roi_id === "temperature");
      assert.deepEqual(times(everyTemp), times(temps), "`every` skips held-back repeats");
      for (const b of every) {
        assert.equal(b.status, "accepted");
        assert.equal(b.reason, "");
        assert.equal(b.value, Number(b.text) / 10, "the rules' value");
        assert.equal(b.hook, "hook-every");
      }
      const changedTemp = bodies("/changed").filter((b) => b.roi_id === "temperature");
      assert.deepEqual(changedTemp.map((b) => b.value), [23.7, 24.6]);
      const changed = bodies("/changed").filter((b) => b.roi_id === "counter");
      assert.deepEqual(
        changed.map((b) => [b.text, b.value, b.status]),
        [["01200", 120, "accepted"], ["06200", 620, "accepted"]],
        "`changed` gets the first reading and the confirmed new level",
      );
      assert.equal(changed[1].frame_time, after[2].time, "the third agreeing reading");
      const rejected = bodies("/rejected");
      assert.deepEqual(
        rejected.map((b) => [b.frame_time, b.status, b.reason, b.value, b.text, b.note]),
        rej.map((
          r,
        ) => [r.time, "rejected", r.reason, 620, "06200", `counter rejected: ${r.reason}`]),
        "`rejected` gets exactly the rejected readings with their reason",
      );

      // Metrics: the rejected counter equals the rejected readings seen.
      const metrics = await (await fetch(`${base}/metrics`)).text();
      const series = metrics.split("\n").filter((l) =>
        l.startsWith("visionroi_roi_rejected_total{")
      );
      assert.deepEqual(series, [
        `visionroi_roi_rejected_total{module="sevenseg",reason="max_rate"} ${rej.length}`,
      ]);

      // The PreValue is the new level.
      const pre = await (await fetch(`${base}/api/rois/panel/counter/prevalue`)).json();
      assert.equal(pre.value, 620);
      assert.equal(pre.pending, null);
      assert.equal(pre.last.status, "accepted");
    } finally {
      await server.kill9();
      await receiver.close();
      await sub.close();
      await broker.close();
      await Deno.remove(root, { recursive: true });
    }
  },
});
