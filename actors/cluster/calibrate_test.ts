import assert from "node:assert/strict";
import { calibrateCapacity } from "./calibrate.ts";
import { createRegistry } from "../../inference_modules/registry.ts";
import { WorkerPool } from "../../inference_modules/worker_pool.ts";

Deno.test({
  name: "cluster calibration: the demo panel read through a real 1-worker pool gives reads/s and " +
    "0.8 of it as capacity",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const dataDir = await Deno.makeTempDir({ prefix: "visionroi-cal-" });
    const pool = new WorkerPool({
      registry: await createRegistry({ dataDir }),
      workers: 1,
      dataDir,
    });
    try {
      await pool.ready();
      const cal = await calibrateCapacity(pool, { workers: 1, durationMs: 1_000 });
      assert.ok(cal.reads >= 4 && cal.reads % 4 === 0, `whole frames of 4 ROIs: ${cal.reads}`);
      assert.ok(cal.duration_ms >= 1_000, `measured ${cal.duration_ms} ms`);
      const rps = cal.reads / (cal.duration_ms / 1000);
      assert.ok(Math.abs(cal.reads_per_s - rps) < 0.5, `${cal.reads_per_s} vs ${rps}`);
      assert.equal(cal.capacity, Math.max(1, Math.floor(rps * 0.8)));
      console.log(`calibration (1 worker): ${cal.reads_per_s} reads/s → capacity ${cal.capacity}`);
    } finally {
      await pool.close();
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});

Deno.test("cluster calibration: a failing read is an error, not a capacity", async () => {
  const pool = {
    readFrame: (_f: unknown, rois: { id: string }[]) =>
      Promise.resolve(rois.map((r) => ({ id: r.id, error: "module missing" }))),
  } as unknown as Parameters<typeof calibrateCapacity>[0];
  await assert.rejects(
    calibrateCapacity(pool, { workers: 1, durationMs: 10 }),
    /calibration read of ROI .* failed: module missing/,
  );
});
