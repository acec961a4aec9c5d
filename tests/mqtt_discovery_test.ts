/** Home Assistant discovery through a real mosquitto: configs appear with their ROIs and go with them. */
import assert from "node:assert/strict";
import { call } from "./helpers/http.ts";
import { testApp } from "./helpers/app.ts";
import { startBroker } from "./helpers/mosquitto.ts";
import { listen } from "./helpers/mqtt_listener.ts";
import { panelRois, writePanelPng } from "./helpers/panel.ts";

const T = { sanitizeResources: false, sanitizeOps: false };

Deno.test({
  ...T,
  name: "mqtt: discovery configs appear for saved ROIs and are removed with the ROI and the source",
  fn: async () => {
    const broker = await startBroker();
    const sub = await listen(broker.url, ["homeassistant/#"]);
    const t = await testApp();
    try {
      await writePanelPng(`${t.outside}/panel.png`, 0);
      const created = await call(t.app, "POST", "/mqtt_configs", {
        name: "ha",
        host: "127.0.0.1",
        port: broker.port,
        base_topic: "vision",
        ha_discovery: true,
      });
      assert.equal(created.status, 201);
      assert.equal(created.json.config.ha_prefix, "homeassistant");
      await t.system.sources.create({ name: "panel", source: `${t.outside}/panel.png` });
      const rois = panelRois().map((r) => ({ ...r, mqtt_config: "ha" }));
      const saved = await call(t.app, "POST", "/save_roi", { source: "panel", rois });
      assert.equal(saved.status, 200, JSON.stringify(saved.json));

      const dev = "homeassistant/sensor/visionroi_vision_panel";
      const lamp = "homeassistant/binary_sensor/visionroi_vision_panel/panel_pump_lamp/config";
      const temp = `${dev}/panel_temperature/config`;
      const live = (topic: string) => sub.on(topic).filter((m) => m.payload !== "");
      await sub.until(() => live(temp).length && live(lamp).length, "sensor and binary_sensor");
      const sensor = JSON.parse(live(temp)[0].payload);
      assert.deepEqual(sensor, {
        name: "Temperature °C",
        unique_id: "visionroi_vision_panel_panel_temperature",
        state_topic: "vision/panel/panel/temperature",
        value_template: "{{ value_json.text }}",
        json_attributes_topic: "vision/panel/panel/temperature",
        availability_topic: "vision/status",
        payload_available: "online",
        payload_not_available: "offline",
        device: {
          identifiers: ["visionroi_vision_panel"],
          name: "panel",
          manufacturer: "VisionROI",
          model: "camera",
        },
        state_class: "measurement",
      });
      const binary = JSON.parse(live(lamp)[0].payload);
      assert.equal(binary.payload_on, "on");
      assert.equal(binary.payload_off, "off");
      assert.equal(binary.state_class, undefined);
      assert.equal(live(`${dev}/panel_pressure/config`).length, 1);
      assert.equal(live(`${dev}/panel_counter/config`).length, 1);

      // A late subscriber gets the configs retained.
      const late = await listen(broker.url, [temp]);
      await late.until((ms) => ms.length > 0, "retained config");
      assert.equal(late.messages[0].retain, true);
      await late.close();

      // The lamp ROI is deleted: its config is emptied (retained), the others stay.
      const without = rois.filter((r) => r.id !== "pump_lamp");
      await call(t.app, "POST", "/save_roi", { source: "panel", rois: without });
      await sub.until((ms) => ms.some((m) => m.topic === lamp && m.payload === ""), "lamp removed");
      assert.equal(sub.on(temp).filter((m) => m.payload === "").length, 0);

      // The source is deleted: every config of its ROIs goes.
      assert.equal((await call(t.app, "DELETE", "/delete_source/panel")).status, 200);
      for (const id of ["temperature", "pressure", "counter"]) {
        const topic = `${dev}/panel_${id}/config`;
        await sub.until(
          (ms) => ms.some((m) => m.topic === topic && m.payload === ""),
          `${id} gone`,
        );
      }
    } finally {
      await sub.close();
      await t.close();
      await broker.close();
    }
  },
});
