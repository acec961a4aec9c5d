/**
 * `skip_unchanged` through the API on the real system (camera, pool, modules): a job on the demo
 * panel, whose counter changes every second while the rest of the panel mostly stands still,
 * reuses readings of unchanged crops (`cached: true`, counted in the job status and `/metrics`) and
 * reads the counter again each time it changes.
 */
import assert from "node:assert/strict";
import { testApp } from "./helpers/app.ts";
import { demoRois } from "../actors/frame_sources/demo.ts";
import type { FrameResult } from "../actors/jobs/result_bus.ts";

function json(method: string, body: unknown): RequestInit {
  return { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
}

Deno.test("skip_unchanged: the demo job reuses unchanged crops and re-reads the counter on every change", async () => {
  const t = await testApp();
  try {
    const form = new FormData();
    for (const [k, v] of Object.entries({ name: "panel", source: "demo", fps: "5" })) {
      form.set(k, v);
    }
    assert.equal(
      (await t.app.request("/create_source", { method: "POST", body: form })).status,
      200,
    );
    const results: FrameResult[] = [];
    t.system.bus.addSink((r) => void results.push(r));
    const start = await t.app.request(
      "/start_inference/p1",
      json("POST", { name: "panel", rois: demoRois("panel"), interval: 0, skip_unchanged: true }),
    );
    assert.equal(start.status, 200, await start.clone().text());
    // Until the counter was seen to change 4 times (about 4 s of panel time).
    const deadline = Date.now() + 60_000;
    const counters = () => [
      ...new Set(
        results.flatMap((r) => r.results.filter((e) => e.id === "counter" && !e.error))
          .map((e) => e.text),
      ),
    ];
    while (counters().length < 5) {
      assert.ok(Date.now() < deadline, `counter values in 60 s: ${counters()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const entries = results.flatMap((r) => r.results);
    const cached = entries.filter((e) => e.cached);
    assert.ok(cached.length > 0, "some crops did not change between frames");
    // The counter counts up each second: its readings never go back (a stale cache would).
    const seq = results.flatMap((r) => r.results.filter((e) => e.id === "counter" && !e.error))
      .map((e) => Number(e.text));
    assert.ok(seq.every((n, i) => i === 0 || n >= seq[i - 1]), `${seq}`);
    // A cached reading says what the last real reading of that ROI said.
    const last = new Map<string, string>();
    for (const e of entries) {
      if (e.cached) assert.equal(e.text, last.get(e.id), `ROI ${e.id} cached as read`);
      else if (!e.error) last.set(e.id, e.text);
    }
    const status = await (await t.app.request("/inference_status/p1")).json();
    assert.ok(status.job.reads_cached >= cached.length, JSON.stringify(status.job));
    const text = await (await t.app.request("/metrics")).text();
    const m = /visionroi_job_reads_cached_total\{source="panel"\} (\d+)/.exec(text);
    assert.ok(m && Number(m[1]) > 0, "the metric counts them");
  } finally {
    await t.close();
  }
});
