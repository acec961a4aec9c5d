import assert from "node:assert/strict";
import { testApp, treeDigest } from "./helpers/app.ts";
import { panelRois } from "./helpers/panel.ts";

function json(body: unknown): RequestInit {
  return {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  };
}

const roi = panelRois()[0];
const three = { ...roi, points: roi.points.slice(0, 3) };
const nan = { ...roi, points: [{ x: NaN, y: 1 }, ...roi.points.slice(1)] };
const bowTie = { ...roi, points: [roi.points[0], roi.points[2], roi.points[1], roi.points[3]] };

/** Each start request must be refused with a 4xx naming the problem; nothing may start or change. */
const BAD: [string, string, unknown, RegExp][] = [
  [
    "3 corners",
    "/start_inference/j",
    { name: "keep", rois: [three] },
    /ROI "temperature".*4 corners, got 3/,
  ],
  [
    "NaN corner",
    "/start_inference/j",
    { name: "keep", rois: [JSON.parse(JSON.stringify(nan))] },
    /ROI "temperature"/,
  ],
  ["bow-tie", "/start_inference/j", { name: "keep", rois: [bowTie] }, /ROI "temperature"/],
  [
    "unknown module",
    "/start_inference/j",
    { name: "keep", rois: [{ ...roi, module: "nope" }] },
    /unknown module "nope"/,
  ],
  [
    "bad params",
    "/start_inference/j",
    { name: "keep", rois: [{ ...roi, params: { allow: 5 } }] },
    /params|allow/,
  ],
  ["duplicate ids", "/start_inference/j", { name: "keep", rois: [roi, roi] }, /duplicate id/],
  ["rois not a list", "/start_inference/j", { name: "keep", rois: 5 }, /rois/],
  ["rois bad JSON string", "/start_inference/j", { name: "keep", rois: "[{" }, /rois: not JSON/],
  ["interval text", "/start_inference/j", { name: "keep", interval: "soon" }, /interval/],
  ["group number", "/start_inference/j", { name: "keep", group: 7 }, /group/],
  ["source file:", "/start_inference/j", { source: "file:///etc/passwd" }, /scheme "file:"/],
  ["name traversal", "/start_inference/j", { name: "../x" }, /invalid name/],
  ["bad cam_id", "/start_inference/a%20b", { name: "keep" }, /invalid cam_id/],
  ["no source", "/start_inference/lonely", {}, /open_failed/],
  ["malformed body", "/start_inference/j", "{oops", /malformed JSON/],
];

Deno.test("bad /start_inference input gets a 4xx naming the problem and changes nothing", async (t) => {
  const app = await testApp();
  try {
    const form = new FormData();
    form.set("name", "keep");
    form.set("source", "demo");
    assert.equal(
      (await app.app.request("/create_source", { method: "POST", body: form })).status,
      200,
    );
    const before = await treeDigest(app.dataDir);
    for (const [label, path, body, message] of BAD) {
      await t.step(label, async () => {
        const r = await app.app.request(path, json(body));
        const text = await r.text();
        assert.ok(r.status >= 400 && r.status < 500, `${label}: ${r.status} ${text}`);
        assert.match(JSON.parse(text).message ?? text, message, label);
        assert.deepEqual(await treeDigest(app.dataDir), before, `${label} changed the data dir`);
        assert.deepEqual(app.system.jobs.camIds(), [], `${label} started a job`);
      });
    }
  } finally {
    await app.close();
  }
});
