/**
 * A running job on the HMI photo with its 12 text ROIs, interval 0, for BENCH_JOB_SECONDS (60):
 * ROI reads per second and per-ROI freshness (result_time − frame_time) p50/p95, in-process with
 * the real camera, pool and modules. Modules per ROI: BENCH_JOB_MODULE (default: each ROI's best).
 */
import { join } from "node:path";
import process from "node:process";
import { loadConfig } from "../config.ts";
import { startSystem } from "../system.ts";
import type { FrameResult } from "../actors/jobs/result_bus.ts";
import { type BenchSection, percentile } from "./section.ts";

const FIXTURE = new URL("../../shared/fixtures/hmi_screen/", import.meta.url).pathname;

/** Module for the HMI text ROIs: the best reader per the module benchmark. */
const MODULE = Deno.env.get("BENCH_JOB_MODULE") ?? "rapid_ocr";

/** Runs the job and measures it. */
export async function run(): Promise<BenchSection> {
  const seconds = Number(Deno.env.get("BENCH_JOB_SECONDS") ?? 60);
  const spec = JSON.parse(await Deno.readTextFile(join(FIXTURE, "screen_ocr.rois.json")));
  const rois = (spec.rois as Record<string, unknown>[])
    .filter((r) => r.module !== "light_button")
    .map((r) => ({
      ...r,
      module: MODULE,
      params: MODULE === "rapid_ocr" ? { detect: false } : {},
    }));
  const dir = await Deno.makeTempDir({ prefix: "visionroi-bench-" });
  const config = loadConfig(["--data-dir", dir, "--no-demo"], () => undefined);
  const system = await startSystem(config);
  const results: FrameResult[] = [];
  system.bus.addSink((r) => void results.push(r));
  try {
    await system.sources.create({ name: "hmi", source: join(FIXTURE, "screen_ocr.jpg") });
    await system.sources.update("hmi", { fps: 30 });
    await system.pool.ready();
    const cpu0 = cpuSeconds();
    const answer = await system.jobs.start("bench", {
      settings: { name: "hmi" },
      rois: rois as never,
      group: "all",
      interval: 0,
    });
    if (answer.status !== "started") throw new Error(`job did not start: ${answer.status}`);
    // Let engines load before measuring.
    while (results.length < 2) await new Promise((r) => setTimeout(r, 100));
    results.length = 0;
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const elapsed = (performance.now() - t0) / 1000;
    const cpu = cpuSeconds() - cpu0;
    const entries = results.flatMap((r) => r.results);
    const ok = entries.filter((e) => !e.error);
    const fresh = ok.map((e) => e.result_time - e.frame_time);
    const job = system.jobs.snapshot("bench");
    const data = {
      module: MODULE,
      seconds: elapsed,
      frames: results.length,
      reads: ok.length,
      errors: entries.length - ok.length,
      readsPerSecond: ok.length / elapsed,
      freshnessP50: percentile(fresh, 50),
      freshnessP95: percentile(fresh, 95),
      ticksSkipped: job?.ticks_skipped ?? 0,
      cpuCoresUsed: cpu / elapsed,
      workers: config.workers,
    };
    return { title: "Live job: HMI photo, 12 text ROIs, interval 0", markdown: table(data), data };
  } finally {
    await system.stop();
    await Deno.remove(dir, { recursive: true });
  }
}

function table(d: Record<string, number | string>): string {
  const f = (x: unknown, n = 2) => (typeof x === "number" ? x.toFixed(n) : String(x));
  return [
    `Module \`${d.module}\`${
      d.module === "rapid_ocr"
        ? " with `detect: false` (each ROI read as one line, no text detection)"
        : ""
    } on every text ROI, ${d.workers} workers, ${f(d.seconds, 0)} s measured after warm-up. ` +
    "The default `rapid_ocr`, with detection, is measured in the capacity section.",
    "",
    "| figure | VisionROI (Deno) | target | Python VisionROI (issue's figure) |",
    "|---|---|---|---|",
    `| ROI reads/s | ${f(d.readsPerSecond, 1)} | ≥ 40 | 3.0–3.7 |`,
    `| freshness p50 (s) | ${f(d.freshnessP50)} | ≤ 0.3 | 7.5–9.3 |`,
    `| freshness p95 (s) | ${f(d.freshnessP95)} | ≤ 1 | – |`,
    "",
    `Frames read: ${d.frames}; read errors: ${d.errors}; ticks skipped: ${d.ticksSkipped}; ` +
    `CPU: ${
      f(d.cpuCoresUsed)
    } cores of 2 for the whole process. The image source re-delivers the ` +
    "photo at 30 fps, so with interval 0 the job starts a new frame as soon as the last one is read.",
  ].join("\n");
}

/** User + system CPU seconds of this process (every thread, workers included). */
function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}
