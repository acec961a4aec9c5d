/**
 * Cluster mode without `--capacity`: a short calibration at start. The node reads the bundled demo
 * panel's ROIs (3 `digits` readouts and a `light_button` lamp, rendered in memory at 1280×720)
 * through its own worker pool for about `durationMs`, with one frame in flight per worker, and
 * takes on `headroom` of the ROI reads/s it managed (a job's own camera decoding and the rest of
 * the node need the remainder).
 */
import { allocFrameData, type Frame } from "../frame_sources/frame.ts";
import { DEMO_DESIGN_SIZE, demoRois, demoStateAt, renderDemoPanel } from "../frame_sources/demo.ts";
import type { WorkerPool } from "../../inference_modules/worker_pool.ts";

/** What a calibration found (`/api/cluster` shows it in the node's `calibration`). */
export interface Calibration {
  /** ROI reads/s measured. */
  reads_per_s: number;
  /** ROI reads done in the measurement (the warm-up not counted). */
  reads: number;
  /** How long it measured, ms. */
  duration_ms: number;
  /** What it read. */
  fixture: string;
  /** The capacity taken: `headroom` × reads/s, at least 1. */
  capacity: number;
}

/** Measures ROI reads/s on the demo panel; throws when a read fails (the caller falls back). */
export async function calibrateCapacity(
  pool: Pick<WorkerPool, "readFrame">,
  opts: { workers: number; durationMs?: number; headroom?: number },
): Promise<Calibration> {
  const durationMs = opts.durationMs ?? 2_000;
  const headroom = opts.headroom ?? 0.8;
  const { width, height } = DEMO_DESIGN_SIZE;
  const data = allocFrameData(width, height);
  renderDemoPanel(demoStateAt(7), { width, height, data });
  const rois = demoRois("calibration").map((r) => ({
    id: r.id,
    name: r.name,
    module: r.module,
    points: r.points,
  }));
  let seq = 0;
  const frame = (): Frame => ({ width, height, data, seq: ++seq, time: Date.now() });
  const readOnce = async () => {
    const results = await pool.readFrame(frame(), rois, { deadlineMs: 30_000 });
    const failed = results.find((r) => r.error);
    if (failed) throw new Error(`calibration read of ROI ${failed.id} failed: ${failed.error}`);
    return results.length;
  };
  // Warm-up: modules load and compile on first use.
  await readOnce();
  let reads = 0;
  const t0 = performance.now();
  const lane = async () => {
    while (performance.now() - t0 < durationMs) reads += await readOnce();
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.workers) }, lane));
  const ms = performance.now() - t0;
  const readsPerS = reads / (ms / 1000);
  return {
    reads_per_s: Math.round(readsPerS * 10) / 10,
    reads,
    duration_ms: Math.round(ms),
    fixture: "demo panel 1280x720: 3 digits ROIs + 1 light_button",
    capacity: Math.max(1, Math.floor(readsPerS * headroom)),
  };
}
