import assert from "node:assert/strict";
import { loadCv } from "../cv_loader.ts";
import type { ModuleEngine, RgbaImage } from "../module_types.ts";
import { fixturesPresent, type HmiRoi, hmiTextCrops } from "../onnx/fixture_images.ts";
import { createEngine } from "./engine.ts";
import { normalizeSpace } from "./number_text.ts";

const present = fixturesPresent("rapid_ocr HMI fixture tests");
const opts = { ignore: !present, sanitizeOps: false, sanitizeResources: false };
const roi = { roiId: "t" };

const engines = new Map<string, Promise<ModuleEngine>>();
function ocr(backend: "auto" | "web" | "node" = "auto"): Promise<ModuleEngine> {
  let e = engines.get(backend);
  if (!e) {
    e = loadCv().then(({ cv }) =>
      createEngine({ cv, onnxBackend: backend, dataDir: Deno.cwd(), env: {} })
    );
    engines.set(backend, e);
  }
  return e;
}

let crops: Promise<{ roi: HmiRoi; crop: RgbaImage }[]> | undefined;
async function hmi(name: string): Promise<RgbaImage> {
  crops ??= loadCv().then(({ cv }) => hmiTextCrops(cv));
  const found = (await crops).find((c) => c.roi.name === name);
  assert.ok(found, `no HMI ROI named ${name}`);
  return found.crop;
}

Deno.test({
  name: "rapid_ocr reads the HMI photo's date, time and a one-line value exactly",
  ...opts,
  async fn() {
    const e = await ocr();
    assert.equal((await e.read(await hmi("date"), {}, roi)).text, "15/09/2025");
    assert.equal((await e.read(await hmi("time"), {}, roi)).text, "11:26:06");
    const r = await e.read(await hmi("bottom_left_0.0"), {}, roi);
    assert.equal(normalizeSpace(r.text), "0.0 m/mn");
    assert.ok(r.confidence! > 0.8);
  },
});

Deno.test({
  name: "rapid_ocr returns two-line HMI boxes in reading order, with the unit line's space and 0",
  ...opts,
  async fn() {
    const e = await ocr();
    for (const name of ["top_87", "left_100", "bottom_1000", "bottom_right_83"]) {
      const r = await e.read(await hmi(name), {}, roi);
      const value = name.split("_").at(-1);
      assert.equal(r.text, `${value}\n0 m/mn`, name);
      assert.equal(r.value, undefined, "two lines are not one number");
      assert.equal((r.data as { lines: unknown[][] }).lines.length, 2);
    }
    const pct = await e.read(await hmi("line_pct_22"), {}, roi);
    assert.equal(pct.text.split("\n")[0], "22");
  },
});

Deno.test({
  name: "rapid_ocr with detect=false reads a one-value crop as a single line and parses its number",
  ...opts,
  async fn() {
    const e = await ocr();
    const r = await e.read(await hmi("time"), { detect: false }, roi);
    assert.equal(r.text, "11:26:06");
    const crop = await hmi("top_87");
    const top = { width: crop.width, height: 21, data: crop.data.slice(0, crop.width * 21 * 4) };
    const v = await e.read(top, { detect: false, allow: "0123456789" }, roi);
    assert.equal(v.text, "87");
    assert.equal(v.value, 87);
  },
});

Deno.test({
  name: "rapid_ocr gives the same text on onnxruntime-web and onnxruntime-node",
  ...opts,
  async fn() {
    const [web, node] = [await ocr("web"), await ocr("node")];
    for (const name of ["date", "top_80", "bottom_right_83"]) {
      const crop = await hmi(name);
      const [a, b] = [await web.read(crop, {}, roi), await node.read(crop, {}, roi)];
      assert.equal(a.text, b.text, name);
      assert.ok(Math.abs(a.confidence! - b.confidence!) < 0.01, name);
    }
  },
});

Deno.test({
  name: "rapid_ocr names the field of a bad param",
  ...opts,
  async fn() {
    const e = await ocr();
    await assert.rejects(
      async () => e.read(await hmi("date"), { min_score: 3 }, roi),
      /params\.min_score/,
    );
  },
});
