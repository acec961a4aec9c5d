/**
 * A real job publishing through a real mosquitto writes VisionROI's per-ROI MQTT log lines into
 * `<source>/mqtt/<roi>.log`: "Published …" per delivered message, and for an ROI whose broker is
 * away a line saying the message waits in the outbox, with the reason.
 */
import assert from "node:assert/strict";
import { call } from "./helpers/http.ts";
import { testApp } from "./helpers/app.ts";
import { freePort, startBroker } from "./helpers/mosquitto.ts";
import { listen } from "./helpers/mqtt_listener.ts";
import { panelRois, writePanelPng } from "./helpers/panel.ts";
import { waitFor } from "./helpers/wait.ts";
import { loneMqtt, mqttConfig, seqResult } from "./helpers/mqtt_system.ts";

const T = { sanitizeResources: false, sanitizeOps: false };

const LINE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z - (INFO|WARNING|ERROR) - (.*)$/;

async function lines(path: string): Promise<string[]> {
  try {
    return (await Deno.readTextFile(path)).split("\n").filter(Boolean);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return [];
    throw err;
  }
}

Deno.test({
  ...T,
  name: "mqtt: a job's publishes are logged per ROI in <source>/mqtt/<roi>.log, VisionROI's words",
  fn: async () => {
    const broker = await startBroker();
    const sub = await listen(broker.url, ["vision/#"]);
    const t = await testApp();
    try {
      await writePanelPng(`${t.outside}/panel.png`, 0);
      const base = { host: "127.0.0.1", base_topic: "vision", qos: 1 };
      await call(t.app, "POST", "/mqtt_configs", { ...base, name: "plant", port: broker.port });
      await call(t.app, "POST", "/mqtt_configs", {
        ...base,
        name: "broken",
        port: await freePort(),
      });
      await t.system.sources.create({ name: "panel", source: `${t.outside}/panel.png` });
      const rois = panelRois().filter((r) => r.id === "temperature" || r.id === "pressure")
        .map((r) => ({ ...r, mqtt_config: r.id === "pressure" ? "broken" : "plant" }));
      const start = await call(t.app, "POST", "/start_inference/line1", {
        name: "panel",
        rois,
        group: "all",
        interval: 0,
      });
      assert.equal(start.status, 200);

      const topic = "vision/panel/panel/temperature";
      await sub.until((ms) => ms.filter((m) => m.topic === topic).length >= 3, "3 results", 30_000);
      const tempLog = `${t.dataDir}/panel/mqtt/Temperature_C.log`;
      const published = await waitFor(async () => {
        const got = await lines(tempLog);
        return got.length >= 3 ? got : undefined;
      }, { what: "3 logged publishes", timeoutMs: 15_000 });
      for (const line of published) {
        const m = LINE.exec(line);
        assert.ok(m, `line shape: ${line}`);
        assert.equal(m[1], "INFO");
        assert.equal(
          m[2],
          `Published MQTT message via 'plant' to topic '${topic}' for ROI 'Temperature °C'`,
        );
      }

      const pressureLog = `${t.dataDir}/panel/mqtt/Pressure_bar.log`;
      const waiting = await waitFor(async () => {
        const got = await lines(pressureLog);
        return got.length >= 1 ? got : undefined;
      }, { what: "a logged wait", timeoutMs: 15_000 });
      const m = LINE.exec(waiting[0]);
      assert.ok(m, waiting[0]);
      assert.equal(m[1], "WARNING");
      assert.match(
        m[2],
        /^MQTT message via 'broken' to topic 'vision\/panel\/panel\/pressure' for ROI 'Pressure bar' waits in the outbox \(broker (connecting|disconnected)/,
      );
      assert.equal(
        (await lines(tempLog)).some((l) => l.includes("broken")),
        false,
        "no cross-talk",
      );
      assert.equal(t.system.mqtt.roiLog.stats().dropped, 0);
      await call(t.app, "POST", "/stop_inference/line1");
    } finally {
      await sub.close();
      await t.close();
      await broker.close();
    }
  },
});

Deno.test({
  ...T,
  name: "mqtt: with the broker away, each ROI message logs its wait, and a full outbox logs drops",
  fn: async () => {
    const dataDir = await Deno.makeTempDir({ prefix: "visionroi-mqtt-log-" });
    await Deno.mkdir(`${dataDir}/src`);
    const away = await freePort();
    const lone = await loneMqtt([
      mqttConfig({ name: "away", port: away, outbox_size: 2, base_topic: "vision" }),
    ], {
      dataDir,
    });
    try {
      await waitFor(() => lone.sys.status("away")?.last_error, { what: "a failed connect" });
      for (let seq = 1; seq <= 5; seq++) lone.sys.sink(seqResult(seq, "away"));
      const path = `${dataDir}/src/mqtt/Counter.log`;
      const got = await waitFor(async () => {
        const l = await lines(path);
        return l.length >= 8 ? l : undefined;
      }, { what: "5 waits and 3 drops" });
      const words = got.map((l) => LINE.exec(l)![2]);
      const topic = "vision/src/g/r1";
      assert.equal(
        words.filter((w) =>
          w.startsWith(`MQTT message via 'away' to topic '${topic}' for ROI 'Counter' waits`)
        ).length,
        5,
      );
      assert.equal(
        words.filter((w) => w.endsWith("outbox full (outbox_size 2)")).length,
        3,
        "the 3 oldest",
      );
      assert.equal(lone.sys.status("away")?.dropped, 3);
    } finally {
      await lone.close();
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});
