import assert from "node:assert/strict";
import { createRegistry } from "../registry.ts";
import { explainSkip, fixturesPresent, loadFixture, normalizeText } from "../testing/fixtures.ts";
import { WorkerPool } from "../worker_pool.ts";

explainSkip("tesseract_ocr fixture tests");

Deno.test({
  name: "tesseract_ocr reads HMI values from the real panel photo (two-line boxes, date, time)",
  sanitizeResources: false,
  sanitizeOps: false,
  ignore: !fixturesPresent,
  fn: async () => {
    const pool = new WorkerPool({ registry: await createRegistry(), workers: 1 });
    try {
      const { frame, rois } = await loadFixture(
        "hmi_screen/screen_ocr.jpg",
        "hmi_screen/screen_ocr.rois.json",
      );
      const pick = ["1", "3", "6", "8", "11", "12"];
      const chosen = rois.filter((r) => pick.includes(r.id));
      const results = await pool.readFrame(frame, chosen, { deadlineMs: 60_000 });
      assert.deepEqual(
        results.map((r) => `${r.id}: ${r.error ?? normalizeText(r.text)}`),
        chosen.map((r) => `${r.id}: ${normalizeText(r.expected)}`),
      );
      assert.deepEqual(results.map((r) => r.value), [87, 100, 1000, 80, undefined, undefined]);
      for (const r of results) assert.ok((r.confidence ?? 0) > 0.5, `${r.id} ${r.confidence}`);
    } finally {
      await pool.close();
    }
  },
});

Deno.test({
  name: "tesseract_ocr honours psm word and a digit whitelist",
  sanitizeResources: false,
  sanitizeOps: false,
  ignore: !fixturesPresent,
  fn: async () => {
    const pool = new WorkerPool({ registry: await createRegistry(), workers: 1 });
    try {
      const { frame, rois } = await loadFixture(
        "hmi_screen/screen_ocr.jpg",
        "hmi_screen/screen_ocr.rois.json",
      );
      const date = rois.find((r) => r.id === "11")!;
      const time = rois.find((r) => r.id === "12")!;
      const [word, digits, bad] = await pool.readFrame(frame, [
        { ...time, id: "w", params: { psm: "word" } },
        { ...date, id: "d", params: { psm: "line", whitelist: "0123456789" } },
        { ...date, id: "x", params: { psm: "page" } },
      ], { deadlineMs: 60_000 });
      assert.equal(word.text, "11:26:06");
      assert.match(digits.text, /^[0-9 ]+$/);
      assert.match(bad.error ?? "", /^ROI "x": params\.psm: /);
    } finally {
      await pool.close();
    }
  },
});
