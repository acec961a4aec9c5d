/**
 * Plausibility rules through the API: bad rules are refused with the field and the value and
 * nothing is written; the PreValue routes answer 400/404 for bad input and unknown ROIs; a PreValue
 * set by hand survives a real server process restart.
 */
import assert from "node:assert/strict";
import { call } from "./helpers/http.ts";
import { testApp } from "./helpers/app.ts";
import { startServer } from "./helpers/server.ts";
import { panelRois, writePanelPng } from "./helpers/panel.ts";

const T = { sanitizeResources: false, sanitizeOps: false };

Deno.test({
  ...T,
  name: "api: bad rules are refused naming the ROI, the field and the value; nothing is saved",
  fn: async () => {
    const t = await testApp();
    try {
      await t.system.sources.create({ name: "meter", source: `${t.outside}/x.png` });
      const roi = panelRois()[0];
      const bad: [unknown, RegExp][] = [
        [{ max_delta: -1 }, /ROI "temperature": invalid rules\.max_delta -1/],
        [{ max_rate_per_min: "fast" }, /invalid rules\.max_rate_per_min "fast"/],
        [{ confirm_after: 1 }, /invalid rules\.confirm_after 1: .*>=2/],
        [{ decimals: 1.5 }, /invalid rules\.decimals 1\.5/],
        [{ min: 10, max: 1 }, /invalid rules\.min 10: min 10 is above max 1/],
        [{ max_dleta: 5 }, /invalid rules .*max_dleta/],
        [{ reject_repeats_of: "" }, /invalid rules\.reject_repeats_of ""/],
        ["strict", /invalid rules "strict"/],
      ];
      for (const [rules, message] of bad) {
        const r = await call(t.app, "POST", "/save_roi", {
          source: "meter",
          rois: [{ ...roi, rules }],
        });
        assert.equal(r.status, 400, JSON.stringify(rules));
        assert.equal(r.json.status, "error");
        assert.match(r.json.message, message);
      }
      assert.deepEqual((await call(t.app, "GET", "/load_roi/meter")).json.rois, []);
      // Inline ROIs of a job go through the same validator.
      const start = await call(t.app, "POST", "/start_inference/x1", {
        name: "meter",
        rois: [{ ...roi, rules: { min: "low" } }],
      });
      assert.equal(start.status, 400);
      assert.match(start.json.message, /invalid rules\.min "low"/);
      const rules = {
        numeric: true,
        decimals: 1,
        decimal_shift: 0,
        min: 0,
        max: 99999,
        max_delta: 5,
        max_rate_per_min: 10,
        allow_decrease: false,
        reject_repeats_of: null,
        confirm_after: 2,
        on_change_only: false,
      };
      const ok = await call(t.app, "POST", "/save_roi", {
        source: "meter",
        rois: [{ ...roi, rules }],
      });
      assert.equal(ok.status, 200);
      assert.deepEqual((await call(t.app, "GET", "/load_roi/meter")).json.rois[0].rules, rules);
    } finally {
      await t.close();
    }
  },
});

Deno.test({
  ...T,
  name: "api: PreValue routes: 400 names the value, 404 for an unknown source or ROI",
  fn: async () => {
    const t = await testApp();
    try {
      await t.system.sources.create({ name: "meter", source: `${t.outside}/x.png` });
      const rois = panelRois().map((r) => ({ ...r, rules: { max_delta: 5 } }));
      assert.equal((await call(t.app, "POST", "/save_roi", { source: "meter", rois })).status, 200);
      const url = "/api/rois/meter/counter/prevalue";
      for (const value of ["abc", null, true, "1.234,5"]) {
        const r = await call(t.app, "POST", url, { value });
        assert.equal(r.status, 400, JSON.stringify(value));
        assert.equal(
          r.json.message,
          `invalid value ${JSON.stringify(value)}: expected a finite number`,
        );
      }
      const missing = await call(t.app, "POST", url, {});
      assert.equal(missing.json.message, "invalid value nothing: expected a finite number");
      const unknownRoi = await call(t.app, "POST", "/api/rois/meter/nope/prevalue", { value: 1 });
      assert.equal(unknownRoi.status, 404);
      assert.equal(unknownRoi.json.message, 'no ROI "nope" in source "meter"');
      const unknownSource = await call(t.app, "POST", "/api/rois/ghost/counter/prevalue", {
        value: 1,
      });
      assert.equal(unknownSource.status, 404);
      assert.equal((await call(t.app, "GET", "/api/rois/ghost/prevalues")).status, 404);
      assert.deepEqual((await call(t.app, "GET", url)).json, {
        source: "meter",
        roi_id: "counter",
        value: null,
        time: null,
        pending: null,
        last: null,
      });
      const set = await call(t.app, "POST", url, { value: "1 234,5" });
      assert.equal(set.status, 200);
      assert.equal(set.json.value, 1234.5);
      assert.equal(typeof set.json.time, "number");
      const list = await call(t.app, "GET", "/api/rois/meter/prevalues");
      assert.deepEqual(list.json.rois.map((r: { roi_id: string }) => r.roi_id), ["counter"]);
    } finally {
      await t.close();
    }
  },
});

Deno.test({
  ...T,
  name:
    "api: a PreValue set by hand survives a real server restart (even a kill -9 after the answer)",
  fn: async () => {
    const root = await Deno.makeTempDir({ prefix: "visionroi-prevalue-" });
    const dataDir = `${root}/data_sources`;
    let server = await startServer(dataDir, ["--no-demo"]);
    try {
      await writePanelPng(`${root}/panel.png`, 0);
      const form = new FormData();
      form.set("name", "meter");
      form.set("source", `${root}/panel.png`);
      const created = await fetch(`${server.url}/create_source`, { method: "POST", body: form });
      assert.equal(created.status, 200);
      await created.body?.cancel();
      const json = (body: unknown) => ({
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      const rois = panelRois().map((r) => ({ ...r, rules: { max_delta: 5 } }));
      const saved = await fetch(`${server.url}/save_roi`, json({ source: "meter", rois }));
      assert.equal(saved.status, 200);
      await saved.body?.cancel();
      const path = "/api/rois/meter/counter/prevalue";
      const set = await fetch(server.url + path, json({ value: 4711.5 }));
      assert.equal(set.status, 200);
      const before = await set.json();
      assert.equal(before.value, 4711.5);
      await server.kill9();
      server = await startServer(dataDir, ["--no-demo"]);
      const after = await (await fetch(server.url + path)).json();
      assert.deepEqual(after, before);
      const file = JSON.parse(await Deno.readTextFile(`${dataDir}/.visionroi/prevalues.json`));
      assert.equal(file.rois[0].state.value, 4711.5);
    } finally {
      await server.kill9();
      await Deno.remove(root, { recursive: true });
    }
  },
});
