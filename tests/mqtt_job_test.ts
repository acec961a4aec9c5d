/**
 * A real job on the demo panel image publishing through a real mosquitto: VisionROI's topic and
 * payload, publish-on-change, control topics, and a broken config next to a working one.
 */
import assert from "node:assert/strict";
import { call } from "./helpers/http.ts";
import { testApp } from "./helpers/app.ts";
import { freePort, startBroker } from "./helpers/mosquitto.ts";
import { listen } from "./helpers/mqtt_listener.ts";
import { panelRois, writePanelPng } from "./helpers/panel.ts";
import { waitFor } from "./helpers/wait.ts";

const T = { sanitizeResources: false, sanitizeOps: false };

Deno.test({
  ...T,
  name: "mqtt: a running job publishes VisionROI's payload per ROI; control topics drive the job",
  fn: async () => {
    const broker = await startBroker();
    const sub = await listen(broker.url, ["vision/#"]);
    const t = await testApp();
    try {
      const expected = await writePanelPng(`${t.outside}/panel.png`, 0);
      const base = { host: "127.0.0.1", base_topic: "vision", qos: 1 };
      assert.equal(
        (await call(t.app, "POST", "/mqtt_configs", { ...base, name: "plant", port: broker.port }))
          .status,
        201,
      );
      const away = await freePort();
      await call(t.app, "POST", "/mqtt_configs", { ...base, name: "broken", port: away });
      await t.system.sources.create({ name: "panel", source: `${t.outside}/panel.png` });
      const rois = panelRois().map((r) => ({
        ...r,
        mqtt_config: r.id === "pressure" ? "broken" : "plant",
        ...(r.id === "pump_lamp" ? { mqtt_on_change: true } : {}),
      }));
      const start = await call(t.app, "POST", "/start_inference/line1", {
        name: "panel",
        rois,
        group: "all",
        interval: 0,
      });
      assert.deepEqual(start.json, { status: "started", cam_id: "line1" });

      const topic = "vision/panel/panel/temperature";
      await sub.until((ms) => ms.filter((m) => m.topic === topic).length >= 3, "3 results", 30_000);
      const payload = JSON.parse(sub.on(topic)[0].payload);
      assert.deepEqual(Object.keys(payload), [
        "cam_id",
        "source",
        "group",
        "roi_id",
        "roi_name",
        "module",
        "text",
        "frame_time",
        "result_time",
        "duration",
      ]);
      assert.deepEqual(
        { ...payload, frame_time: 0, result_time: 0, duration: 0 },
        {
          cam_id: "line1",
          source: "panel",
          group: "panel",
          roi_id: "temperature",
          roi_name: "Temperature °C",
          module: "digits",
          text: expected.temperature,
          frame_time: 0,
          result_time: 0,
          duration: 0,
        },
      );
      assert.equal(
        JSON.parse(sub.on("vision/panel/panel/counter")[0].payload).text,
        expected.counter,
      );
      assert.equal(sub.on("vision/panel/panel/pump_lamp").length, 1, "unchanged lamp sent once");
      assert.equal(
        JSON.parse(sub.on("vision/panel/panel/pump_lamp")[0].payload).text,
        expected.pump_lamp,
      );
      assert.equal(sub.on("vision/panel/panel/pressure").length, 0, "its config is broken");

      // The broken config retries with its reason; the job is unaffected.
      type Row = {
        name: string;
        status: { state: string; last_error: string } & Record<string, number>;
      };
      const list = (await call(t.app, "GET", "/mqtt_configs")).json as Row[];
      const broken = list.find((c) => c.name === "broken")!;
      assert.notEqual(broken.status.state, "connected");
      assert.match(broken.status.last_error, /ECONNREFUSED/);
      assert.ok(broken.status.queued > 0);
      const plant = list.find((c) => c.name === "plant")!;
      assert.equal(plant.status.state, "connected");
      assert.ok(plant.status.sent >= 3);
      const before = t.system.jobs.snapshot("line1")!.frames_processed;
      await waitFor(() => t.system.jobs.snapshot("line1")!.frames_processed > before + 2, {
        what: "the job keeps reading",
      });

      // Control topics: stop, start with an interval, change the interval; junk is ignored.
      const ctl = (body: string) => sub.client.publishAsync("vision/line1/set", body, { qos: 1 });
      await ctl(JSON.stringify({ command: "stop" }));
      await waitFor(() => !t.system.jobs.status("line1").running, { what: "stopped by MQTT" });
      await ctl(JSON.stringify({ command: "start", interval: 0.25 }));
      await waitFor(() => t.system.jobs.snapshot("line1")?.interval === 0.25, {
        what: "started by MQTT with interval 0.25",
      });
      await ctl(JSON.stringify({ interval: 3 }));
      await waitFor(() => t.system.jobs.snapshot("line1")?.interval === 3, { what: "interval 3" });
      assert.equal(t.system.jobs.config("line1")!.rois.length, 4, "same ROIs after MQTT commands");
      await ctl("{not json");
      await ctl(JSON.stringify({ command: "explode" }));
      await ctl(JSON.stringify({ command: "stop" }));
      await waitFor(() => !t.system.jobs.status("line1").running, { what: "stopped again" });
    } finally {
      await sub.close();
      await t.close();
      await broker.close();
    }
  },
});
