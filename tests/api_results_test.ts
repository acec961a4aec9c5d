/** `GET /api/results` through `app.request()`: several ROIs at once, newest first, CSV = JSON rows. */
import assert from "node:assert/strict";
import { testApp } from "./helpers/app.ts";

const T = { sanitizeResources: false, sanitizeOps: false };

Deno.test({
  ...T,
  name:
    "api/results: several ROIs at once, newest first under the limit, max_id repeats a query exactly",
  fn: async () => {
    const t = await testApp();
    try {
      const live = (time: number, source: string, roi: string) => ({
        time,
        cam_id: "c",
        source,
        roi_id: roi,
        name: roi,
        module: "digits",
        text: String(time),
        value: time,
        duration: 0.1,
      });
      t.system.batch.db.insertLive([
        live(10, "a", "x"),
        live(20, "a", "y"),
        live(25, "a", "z"),
        live(30, "b", "x"),
        live(40, "a", "x"),
      ]);
      const get = async (q: string) => {
        const res = await t.app.request(`/api/results?${q}`);
        assert.equal(res.status, 200, q);
        return res;
      };
      const times = async (q: string) =>
        ((await (await get(q)).json()).rows as { time: number }[]).map((r) => r.time);
      assert.deepEqual(await times("source=a&roi=x&roi=y"), [10, 20, 40]);
      assert.deepEqual(await times("source=a&roi=x&roi=y&order=desc&limit=2"), [40, 20]);
      assert.deepEqual(await times("source=a&roi=z"), [25]);
      assert.deepEqual(await times("from=15&to=30&order=desc"), [30, 25, 20]);
      const csv = await (await get("source=a&roi=x&roi=y&order=desc&limit=2&format=csv")).text();
      const lines = csv.trim().split("\n");
      assert.ok(lines[0].startsWith("time,iso_time,cam_id,source,roi_id,"), lines[0]);
      assert.deepEqual(lines.slice(1).map((l) => l.split(",")[0]), ["40", "20"]);
      // max_id: a repeated query gives the same rows while readings keep arriving (a slower job's
      // frame stored later may carry an earlier time).
      const first = await (await get("source=a&order=desc&limit=3")).json();
      assert.equal(first.max_id, 5);
      t.system.batch.db.insertLive([live(35, "a", "x"), live(50, "a", "x")]);
      const again = await (await get(`source=a&order=desc&limit=3&max_id=${first.max_id}`)).json();
      assert.deepEqual(again, first);
      assert.deepEqual(await times("source=a&order=desc&limit=3"), [50, 40, 35]);

      const bad = await t.app.request("/api/results?order=sideways");
      assert.equal(bad.status, 400);
      assert.match((await bad.json()).message, /order/);
    } finally {
      await t.close();
    }
  },
});
