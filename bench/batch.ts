/**
 * A batch task on a 1-minute 720p clip of the demo panel (numbers change every second) with 10
 * ROIs, uploaded through the real route, against the same ROIs read by a live job; then both at
 * once, to show what batch work costs a live job. In-process with the real pool and modules.
 * BENCH_BATCH_FPS (5) frames per second of video are read; BENCH_BATCH_LIVE_SECONDS (20) per live run.
 */
import { join } from "node:path";
import { loadConfig } from "../config.ts";
import { startSystem, type System } from "../system.ts";
import { createApp } from "../routes/app.ts";
import type { FrameResult } from "../actors/jobs/result_bus.ts";
import { panelRois, writePanelPng } from "../tests/helpers/panel.ts";
import type { BenchSection } from "./section.ts";

/** The panel's 4 ROIs and 6 copies of them: 10 ROIs (8 digits, 2 lamps). */
function tenRois() {
  const base = panelRois("all");
  return [...base, ...base, ...base].slice(0, 10).map((r, i) => ({ ...r, id: `${r.id}_${i}` }));
}

/** Writes the 60 s clip (one panel per second, 25 fps, 1280×720, H.264). */
async function makeClip(dir: string): Promise<string> {
  for (let t = 0; t < 60; t++) await writePanelPng(join(dir, `p${t}.png`), t);
  const path = join(dir, "panel_60s.mp4");
  const out = await new Deno.Command("ffmpeg", {
    args: ["-v", "error", "-y", "-framerate", "1", "-i", join(dir, "p%d.png"), "-vf", "fps=25"]
      .concat(["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-t", "60", path]),
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  return path;
}

/** Reads/s and frames/s of a live job over `seconds` (after its first frame). */
async function liveRun(system: System, results: FrameResult[], seconds: number) {
  const answer = await system.jobs.start("bench_live", {
    settings: { name: "panel" },
    rois: tenRois() as never,
    group: "all",
    interval: 0,
  });
  if (answer.status !== "started") throw new Error(`live job did not start: ${answer.status}`);
  while (results.length < 2) await new Promise((r) => setTimeout(r, 50));
  results.length = 0;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const elapsed = (performance.now() - t0) / 1000;
  const reads = results.flatMap((r) => r.results).filter((e) => !e.error).length;
  const frames = results.length;
  await system.jobs.stop("bench_live");
  return {
    seconds: elapsed,
    frames,
    reads,
    fps: frames / elapsed,
    readsPerSecond: reads / elapsed,
  };
}

/** Uploads the clip through `POST /api/batch`; returns the task id. */
async function upload(app: ReturnType<typeof createApp>, clip: string, fps: number) {
  const form = new FormData();
  form.set("file", new Blob([await Deno.readFile(clip)]), "panel_60s.mp4");
  form.set("rois", JSON.stringify(tenRois()));
  form.set("fps", String(fps));
  const res = await app.request("/api/batch", { method: "POST", body: form });
  const json = await res.json();
  if (res.status !== 201) throw new Error(`upload failed: ${JSON.stringify(json)}`);
  return String(json.task_id);
}

/** Waits for a task to end; returns reads/s and frames/s over its processing time. */
async function batchRun(system: System, id: string) {
  for (;;) {
    const t = system.batch.db.task(id)!;
    if (t.status !== "pending" && t.status !== "processing") {
      const seconds = (t.finished_at ?? 0) - (t.started_at ?? 0);
      return {
        status: t.status,
        seconds,
        frames: t.frames_done,
        reads: t.roi_reads,
        errors: t.errors,
        fps: t.frames_done / seconds,
        readsPerSecond: t.roi_reads / seconds,
      };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Runs the three measurements. */
export async function run(): Promise<BenchSection> {
  const fps = Number(Deno.env.get("BENCH_BATCH_FPS") ?? 5);
  const liveSeconds = Number(Deno.env.get("BENCH_BATCH_LIVE_SECONDS") ?? 20);
  const dir = await Deno.makeTempDir({ prefix: "visionroi-bench-batch-" });
  const config = loadConfig(["--data-dir", join(dir, "data"), "--no-demo"], () => undefined);
  const system = await startSystem(config);
  const app = createApp({ config, ...system, shutdown: () => system.stop() });
  const results: FrameResult[] = [];
  system.bus.addSink((r) => void (r.cam_id === "bench_live" && results.push(r)));
  try {
    const clip = await makeClip(dir);
    await writePanelPng(join(dir, "live.png"), 0);
    await system.sources.create({ name: "panel", source: join(dir, "live.png") });
    await system.sources.update("panel", { fps: 30 });
    await system.pool.ready();
    const batch = await batchRun(system, await upload(app, clip, fps));
    const live = await liveRun(system, results, liveSeconds);
    // Both at once: the live job keeps priority on the pool.
    const id = await upload(app, clip, fps);
    const mixedLive = await liveRun(system, results, liveSeconds);
    const mixedTask = system.batch.db.task(id)!;
    await system.batch.cancel(id);
    const data = {
      workers: config.workers,
      fps,
      batch,
      live,
      mixedLive,
      mixedBatchFrames: mixedTask.frames_done,
    };
    return {
      title: "Batch task vs live job: 60 s 720p clip, 10 ROIs",
      markdown: table(data),
      data,
    };
  } finally {
    await system.stop();
    await Deno.remove(dir, { recursive: true });
  }
}

function table(d: {
  workers: number;
  fps: number;
  batch: { fps: number; readsPerSecond: number; frames: number; seconds: number; errors: number };
  live: { fps: number; readsPerSecond: number };
  mixedLive: { fps: number; readsPerSecond: number; seconds: number };
  mixedBatchFrames: number;
}): string {
  const f = (x: number, n = 1) => x.toFixed(n);
  return [
    `Demo panel clip, 1280×720, 25 fps, 60 s; the batch task reads ${d.fps} frames per second of ` +
    `video (${d.batch.frames} frames) with 10 ROIs (8 \`digits\`, 2 \`light_button\`) on ${d.workers} ` +
    "workers. The live job reads the same panel as an image source, interval 0.",
    "",
    "| run | frames/s | ROI reads/s |",
    "|---|---|---|",
    `| batch task alone (${f(d.batch.seconds)} s, ${d.batch.errors} errors) | ${f(d.batch.fps)} | ${
      f(d.batch.readsPerSecond)
    } |`,
    `| live job alone | ${f(d.live.fps)} | ${f(d.live.readsPerSecond)} |`,
    `| live job while a batch task runs | ${f(d.mixedLive.fps)} | ${
      f(d.mixedLive.readsPerSecond)
    } |`,
    "",
    `While the live job ran beside it for ${f(d.mixedLive.seconds)} s, the batch task got ` +
    `${d.mixedBatchFrames} frames done: batch reads only take workers live work leaves free.`,
  ].join("\n");
}
