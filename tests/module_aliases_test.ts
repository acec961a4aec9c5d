/**
 * A VisionROI ROI file naming `easy_ocr` and `trocr` (with a legacy `{x, y, width, height}` rectangle
 * and an entry type this project does not know) is saved and started on a real server; the aliases
 * run on rapid_ocr and the results say so.
 */
import assert from "node:assert/strict";
import { createSource, post } from "./helpers/http.ts";
import { startServer } from "./helpers/server.ts";
import { waitFor } from "./helpers/wait.ts";
import {
  explainSkip,
  FIXTURES_DIR,
  fixturesPresent,
} from "../inference_modules/testing/fixtures.ts";
import { normaliseRois } from "../storage/roi_schema.ts";

type Json = Record<string, unknown>;

explainSkip("module alias server test");

/** The HMI photo's time (easy_ocr, 4 points) and date (trocr, a legacy rectangle) boxes. */
const LEGACY_ROIS = [
  {
    id: "time",
    name: "time",
    type: "roi",
    group: "main",
    module: "easy_ocr",
    points: [{ x: 1155, y: 845 }, { x: 1245, y: 845 }, { x: 1245, y: 870 }, { x: 1155, y: 870 }],
  },
  {
    id: "date",
    name: "date",
    group: "main",
    module: "trocr",
    x: 1155,
    y: 808,
    width: 110,
    height: 32,
  },
  { id: "note1", type: "annotation", text: "left by another tool", color: [1, 2, 3] },
];

Deno.test({
  name: "a ROI file naming easy_ocr and trocr is saved unchanged, started, and read by rapid_ocr",
  ignore: !fixturesPresent,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    const server = await startServer(`${dir}/data`, ["--no-demo", "--workers", "2"]);
    try {
      const image = new URL("hmi_screen/screen_ocr.jpg", FIXTURES_DIR).pathname;
      await createSource(server.url, "hmi", image);

      const names = await (await fetch(`${server.url}/inference_modules`)).json();
      assert.ok(names.includes("easy_ocr") && names.includes("trocr"), JSON.stringify(names));
      const infos = await (await fetch(`${server.url}/api/modules`)).json() as Json[];
      const easy = infos.find((m) => m.name === "easy_ocr");
      assert.equal(easy?.kind, "alias");
      assert.equal(easy?.alias_of, "rapid_ocr");

      const saved = await post(`${server.url}/save_roi`, { source: "hmi", rois: LEGACY_ROIS });
      assert.equal(saved.status, 200, JSON.stringify(saved.json));
      assert.equal(saved.json.status, "saved");
      const loaded = await (await fetch(`${server.url}/load_roi/hmi`)).json();
      // As VisionROI's loader: the rectangle reads back as 4 points, everything else as sent.
      assert.deepEqual(loaded.rois, normaliseRois(LEGACY_ROIS));
      assert.deepEqual(loaded.rois[2], LEGACY_ROIS[2]);

      const start = await post(`${server.url}/start_inference/hmi1`, {
        name: "hmi",
        rois: loaded.rois,
        group: "all",
        interval: 0.5,
      });
      assert.deepEqual(start.json, { status: "started", cam_id: "hmi1" });
      const ws = new WebSocket(server.url.replace("http", "ws") + "/ws_roi_result/hmi1");
      const messages: Json[] = [];
      ws.onmessage = (e) => messages.push(JSON.parse(e.data));
      await new Promise((resolve) => (ws.onopen = resolve));
      const result = await waitFor(() => messages.find((m) => m.results), {
        timeoutMs: 90_000,
        what: "a result of the alias ROIs",
      });
      ws.close();
      const entries = result.results as Json[];
      const byId = Object.fromEntries(entries.map((r) => [r.id, r]));
      assert.deepEqual(Object.keys(byId).sort(), ["date", "time"]);
      for (
        const [id, module, text] of [["time", "easy_ocr", "11:26:06"], [
          "date",
          "trocr",
          "15/09/2025",
        ]]
      ) {
        const r = byId[id];
        assert.equal(r.error, undefined, `${id}: ${r.error}`);
        assert.equal(r.module, module);
        assert.equal(r.engine, "rapid_ocr");
        assert.equal(r.text, text);
      }
    } finally {
      await server.kill9();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
