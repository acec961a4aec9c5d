import { createRegistry } from "./registry.ts";
import { WorkerPool } from "./worker_pool.ts";
import { loadFixture, normalizeText } from "./testing/fixtures.ts";
const registry = await createRegistry();
const pool = new WorkerPool({ registry, workers: 2 });
let t = performance.now();
await pool.ready();
console.log("ready", performance.now() - t);
for (const [img, rj] of [["lamps/led_button1.png", "lamps/led_button1.rois.json"], ["lamps/led_button2.png", "lamps/led_button2.rois.json"], ["hmi_screen/screen_ocr.jpg", "hmi_screen/screen_ocr.rois.json"]]) {
  const { frame, rois } = await loadFixture(img, rj);
  t = performance.now();
  const res = await pool.readFrame(frame, rois, { deadlineMs: 20000 });
  console.log(img, (performance.now() - t).toFixed(0), "ms");
  res.forEach((r, i) => console.log(r.id, normalizeText(rois[i].expected) === normalizeText(r.text) ? "OK " : "BAD", JSON.stringify(r.text), r.value, r.confidence?.toFixed(2), r.duration.toFixed(3), r.error ?? ""));
}
console.log(pool.stats());
await pool.close();
