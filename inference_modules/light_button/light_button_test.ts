import assert from "node:assert/strict";
import { fixtureLampColor } from "../../bench/lamps.ts";
import { createRegistry } from "../registry.ts";
import { explainSkip, fixturesPresent, loadFixture } from "../testing/fixtures.ts";
import { WorkerPool } from "../worker_pool.ts";

explainSkip("light_button fixture tests");
const workerTest = { sanitizeResources: false, sanitizeOps: false, ignore: !fixturesPresent };

const FIXTURES = [
  ["lamps/led_button1.png", "lamps/led_button1.rois.json"],
  ["lamps/led_button2.png", "lamps/led_button2.rois.json"],
  ["hmi_screen/screen_ocr.jpg", "hmi_screen/screen_ocr.rois.json"],
] as const;

Deno.test({
  name: "light_button with params.color reads all 25 lamps and the 2 lit HMI buttons too",
  ...workerTest,
  fn: async () => {
    const pool = new WorkerPool({ registry: await createRegistry(), workers: 1 });
    try {
      for (const [image, rois] of FIXTURES) {
        const fixture = await loadFixture(image, rois);
        const lamps = fixture.rois.filter((r) => r.module === "light_button")
          .map((r) => ({ ...r, params: { color: fixtureLampColor(image, r.id) } }));
        const results = await pool.readFrame(fixture.frame, lamps, { deadlineMs: 30_000 });
        const got = results.map((r) => `${r.id}=${r.error ?? r.text}`);
        assert.deepEqual(got, lamps.map((r) => `${r.id}=${r.expected}`), image);
      }
    } finally {
      await pool.close();
    }
  },
});

Deno.test({
  name: "light_button reads all 25 lamps of the real panel photos and the 2 lit HMI buttons",
  ...workerTest,
  fn: async () => {
    const pool = new WorkerPool({ registry: await createRegistry(), workers: 1 });
    try {
      for (
        const [image, rois] of [
          ["lamps/led_button1.png", "lamps/led_button1.rois.json"],
          ["lamps/led_button2.png", "lamps/led_button2.rois.json"],
          ["hmi_screen/screen_ocr.jpg", "hmi_screen/screen_ocr.rois.json"],
        ]
      ) {
        const fixture = await loadFixture(image, rois);
        const lamps = fixture.rois.filter((r) => r.module === "light_button");
        const results = await pool.readFrame(fixture.frame, lamps, { deadlineMs: 30_000 });
        const got = results.map((r) => `${r.id}=${r.error ?? r.text}`);
        const want = lamps.map((r) => `${r.id}=${r.expected}`);
        assert.deepEqual(got, want, image);
        for (const r of results) {
          assert.equal(r.value, r.text === "on" ? 1 : 0);
          assert.ok((r.confidence ?? 0) >= 0.5 && (r.confidence ?? 0) <= 1);
        }
      }
    } finally {
      await pool.close();
    }
  },
});
