/**
 * `deno task import-visionroi`: a VisionROI checkout built here (sources, a ROI file with a page
 * template, mqtt_configs.json with a password, service_state.json with a running job, an unknown
 * module and a missing file) is taken over; the report names what was taken and what was not, the
 * checkout stays byte-identical, and a system started on the new data dir runs the job.
 */
import assert from "node:assert/strict";
import sharp from "sharp";
import { loadConfig } from "../config.ts";
import { startSystem } from "../system.ts";
import { importVisionRoi } from "../scripts/import_visionroi.ts";
import { treeDigest } from "./helpers/app.ts";
import { panelRois, writePanelPng } from "./helpers/panel.ts";
import { waitFor } from "./helpers/wait.ts";

const T = { sanitizeResources: false, sanitizeOps: false };

/** A VisionROI checkout as it lies on disk after some use. */
async function buildCheckout(root: string): Promise<string> {
  const co = `${root}/VisionROI`;
  await Deno.mkdir(`${co}/data_sources/panel`, { recursive: true });
  await Deno.mkdir(`${co}/data_sources/nocfg`, { recursive: true });
  await Deno.mkdir(`${co}/images_test`, { recursive: true });
  await Deno.writeTextFile(`${co}/app.py`, "# VisionROI\n");
  await writePanelPng(`${co}/images_test/panel.png`, 0);
  const template = await sharp(`${co}/images_test/panel.png`)
    .extract({ left: 0, top: 0, width: 200, height: 100 }).jpeg().toBuffer();
  const rois = [
    ...panelRois("all"),
    {
      id: "p1",
      type: "page",
      page: "main",
      name: "main",
      image: template.toString("base64"),
      points: [{ x: 0, y: 0 }, { x: 200, y: 0 }, { x: 200, y: 100 }, { x: 0, y: 100 }],
    },
    {
      id: "r9",
      type: "roi",
      group: "all",
      module: "easyocr_th",
      name: "legacy",
      mqtt_config: "",
      points: [{ x: 10, y: 10 }, { x: 60, y: 10 }, { x: 60, y: 40 }, { x: 10, y: 40 }],
    },
  ];
  await Deno.writeTextFile(
    `${co}/data_sources/panel/config.json`,
    JSON.stringify({
      name: "panel",
      source: "images_test/panel.png",
      rois: "rois.json",
      stream_type: "opencv",
    }),
  );
  await Deno.writeTextFile(`${co}/data_sources/panel/rois.json`, JSON.stringify(rois, null, 2));
  await Deno.writeTextFile(`${co}/data_sources/nocfg/rois.json`, "[]");
  await Deno.writeTextFile(
    `${co}/mqtt_configs.json`,
    JSON.stringify(
      [
        { name: "plant", host: "127.0.0.1", port: 9, username: "u", password: "s3cret pw" },
        { name: "nohost", host: "" },
      ],
      null,
      2,
    ),
  );
  await Deno.writeTextFile(
    `${co}/service_state.json`,
    JSON.stringify({
      cameras: {
        inf_1: {
          source: "images_test/panel.png",
          resolution: [null, null],
          backend: "opencv",
          active_source: "panel",
          inference_running: true,
          inference_group: "all",
          interval: 0.2,
          result_timeout: 10,
          draw_page_boxes: null,
          roi_low_latency: null,
        },
        inf_2: { source: "x", active_source: "nocfg", inference_running: true },
        inf_3: { source: "x", active_source: "panel", inference_running: false },
      },
    }),
  );
  return co;
}

Deno.test({
  ...T,
  name:
    "import-visionroi: takes sources, ROIs with templates, MQTT configs and jobs; the original is untouched; the job runs",
  fn: async () => {
    const root = await Deno.makeTempDir({ prefix: "visionroi-import-" });
    try {
      const co = await buildCheckout(root);
      const before = await treeDigest(co);
      const dataDir = `${root}/new/data_sources`;
      const report = await importVisionRoi({ checkout: co, dataDir });
      const taken = report.taken.map((t) => t.item);
      const refused = report.refused.map((t) => `${t.item}: ${t.reason}`);
      assert.deepEqual(taken, [
        "source panel (5 ROIs, 1 pages, 1 with template)",
        "mqtt config plant (127.0.0.1:9)",
        "job inf_1 (source panel, running)",
      ]);
      assert.ok(
        refused.some((r) => /^source nocfg: missing file: .*config\.json$/.test(r)),
        refused.join("\n"),
      );
      assert.ok(refused.some((r) => r.startsWith('source panel: ROI "r9" module "easyocr_th"')));
      assert.ok(refused.some((r) => r.startsWith("mqtt config #2: no name or host")));
      assert.ok(
        refused.some((r) => r.startsWith('job inf_2: its source "nocfg" was not imported')),
      );
      assert.ok(refused.some((r) => r.startsWith("job inf_3: not running")));
      assert.deepEqual(await treeDigest(co), before, "the checkout is byte-identical");

      // ROIs and the page template as they were; the unknown module kept aside.
      const rois = JSON.parse(await Deno.readTextFile(`${dataDir}/panel/rois.json`));
      const orig = JSON.parse(await Deno.readTextFile(`${co}/data_sources/panel/rois.json`));
      assert.equal(rois.find((r: { id: string }) => r.id === "p1").image, orig[4].image);
      const legacy = rois.find((r: { id: string }) => r.id === "r9");
      assert.equal(legacy.module, "");
      assert.equal(legacy.visionroi_module, "easyocr_th");
      const cfg = JSON.parse(await Deno.readTextFile(`${dataDir}/panel/config.json`));
      assert.equal(cfg.source, `${co}/images_test/panel.png`);

      // MQTT configs: the password kept, the file private.
      const mqtt = JSON.parse(await Deno.readTextFile(`${dataDir}/mqtt_configs.json`));
      assert.equal(mqtt.length, 1);
      assert.equal(mqtt[0].password, "s3cret pw");
      assert.equal((await Deno.stat(`${dataDir}/mqtt_configs.json`)).mode! & 0o777, 0o600);

      // Again: an existing source, config and job are refused without --overwrite, taken with it.
      const again = await importVisionRoi({ checkout: co, dataDir });
      assert.deepEqual(again.taken, []);
      assert.ok(again.refused.some((r) => r.item === "source panel" && /exists/.test(r.reason!)));
      assert.ok(again.refused.some((r) => r.item === "mqtt config plant"));
      const over = await importVisionRoi({ checkout: co, dataDir, overwrite: true });
      assert.equal(over.taken.length, 3);
      assert.deepEqual(await treeDigest(co), before, "still byte-identical");

      // A server on the new data dir runs the job and reads the panel.
      const config = loadConfig(["--data-dir", dataDir, "--no-demo"], () => undefined);
      const system = await startSystem(config);
      try {
        await waitFor(() => system.jobs.state("inf_1") === "running", {
          timeoutMs: 20_000,
          what: "job inf_1 running",
        });
        const sub = system.bus.subscribe("inf_1");
        const result = await waitFor(async () => {
          const m = await sub.next();
          return m?.kind === "result" && m.result;
        }, { timeoutMs: 20_000, what: "a result of inf_1" });
        sub.close();
        assert.ok(result && result.results.some((r) => r.id === "temperature"));
        assert.equal(result && result.source, "panel");
      } finally {
        await system.stop();
      }
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});

Deno.test({
  ...T,
  name:
    "import-visionroi in place: the checkout's own data_sources/ gains the MQTT configs and jobs",
  fn: async () => {
    const root = await Deno.makeTempDir({ prefix: "visionroi-import-" });
    try {
      const co = await buildCheckout(root);
      const dataDir = `${co}/data_sources`;
      const sources = await treeDigest(`${dataDir}/panel`);
      const report = await importVisionRoi({ checkout: co, dataDir });
      assert.deepEqual(report.taken.map((t) => t.item), [
        "sources: already in the data dir (1)",
        "mqtt config plant (127.0.0.1:9)",
        "job inf_1 (source panel, running)",
      ]);
      assert.deepEqual(
        await treeDigest(`${dataDir}/panel`),
        sources,
        "the source is left as it is",
      );
      const state = JSON.parse(await Deno.readTextFile(`${dataDir}/service_state.json`));
      assert.deepEqual(Object.keys(state.cameras), ["inf_1"]);
      assert.equal(
        JSON.parse(await Deno.readTextFile(`${dataDir}/mqtt_configs.json`))[0].password,
        "s3cret pw",
      );
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});
