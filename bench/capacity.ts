/**
 * The capacity case through the public API, from this separate client process: BENCH_CAP_CAMERAS
 * (4) sources on one 30 fps clip of the HMI panel photo, the same 12 text ROIs on each (`rapid_ocr`,
 * default params), one job per source at interval 0, listened to on `/ws_roi_result`. Measured for
 * BENCH_CAP_SECONDS (30) after every job gave its first readings: ROI reads/s, reads per job,
 * freshness (result_time − frame_time as the results say, and receipt at the client − frame_time),
 * readings right, CPU of the server's process tree (Deno + ffmpeg) and its RSS.
 *
 * Side by side in one run, interleaved, BENCH_CAP_RUNS (3) times: the code at BENCH_CAP_BASELINE
 * (a0e8d13, the start of this work; streams fixed at 5 fps) and this checkout at 5 fps and at
 * BENCH_CAP_FPS (10) fps. Medians of the runs.
 */
import { join } from "node:path";
import { type BenchSection, median, percentile } from "./section.ts";
import {
  checkoutAt,
  type LiveServer,
  machineLoad,
  makeClip,
  type Received,
  startServer,
  treeUsage,
} from "./live_server.ts";
import { normalizeText } from "../inference_modules/testing/fixtures.ts";

const FIXTURE = new URL("../../shared/fixtures/hmi_screen/", import.meta.url).pathname;
const ROOT = new URL("..", import.meta.url).pathname;

/** One configuration to measure. */
export interface Variant {
  label: string;
  checkout: string;
  /** Source fps (ignored by code that has no `fps`). */
  fps?: number;
  /** `skip_unchanged` for the jobs. */
  skip?: boolean;
  /** The jobs' interval, s (default 0). */
  interval?: number;
  /** The clip (or `demo`) every source reads. */
  source: string;
  /** ROIs per source. */
  rois: Record<string, unknown>[];
  cameras: number;
  /** Expected text per ROI id (exact after collapsing white space), or a set of accepted ones. */
  expected: Map<string, string[]>;
  /** Checks readings another way (the demo panel's values at each frame time). */
  truth?: (entries: TruthEntry[]) => { right: number; total: number };
  /** ROIs whose value changes: how often their reading changed is reported. */
  changing?: string[];
}

/** A reading as a truth function gets it. */
export interface TruthEntry {
  cam: string;
  id: string;
  text: string;
  frame_time: number;
  cached?: boolean;
}

/** Figures of one run of one variant. */
export interface RunFigures {
  seconds: number;
  readsPerSecond: number;
  realReadsPerSecond: number;
  cachedShare: number;
  errors: number;
  perJobReads: number[];
  jobSpread: number;
  freshP50: number;
  freshP95: number;
  clientP50: number;
  clientP95: number;
  /** Freshness of real reads only (cached readings left out). */
  freshRealP50: number;
  freshRealP95: number;
  /** Share of exact readings per ROI id. */
  perRoiExact: Record<string, number>;
  exactShare: number;
  roisRight: number;
  cpuCores: number;
  cpuPerCamera: number;
  /** Frame results per second, all jobs. */
  framesPerSecond: number;
  /** CPU of the server's tree per frame result, ms: the cost of a frame whatever the load. */
  cpuMsPerFrame: number;
  rssMb: number;
  framesSkipped: number | null;
  /** Per changing ROI: reading changes seen per second (median over cameras). */
  changesPerSecond: Record<string, number>;
  startupNote?: string;
}

/** Runs one variant once: its own server, sources, ROIs and jobs, then stops it. */
export async function runVariant(v: Variant, seconds: number): Promise<RunFigures> {
  const server: LiveServer = await startServer(v.checkout);
  const got: Received[] = [];
  const sockets: WebSocket[] = [];
  try {
    const cams = Array.from({ length: v.cameras }, (_, i) => `cam${i + 1}`);
    for (const cam of cams) {
      await server.createSource({
        name: cam,
        source: v.source === "demo" ? `demo:${cam}` : v.source,
        stream_type: v.source === "demo" ? "opencv" : "ffmpeg",
        ...(v.fps ? { fps: String(v.fps) } : {}),
      });
      await server.api("POST", "/save_roi", { source: cam, rois: v.rois });
      sockets.push(await server.listen(cam, (r) => got.push(r)));
    }
    for (const cam of cams) {
      await server.api("POST", `/start_inference/${cam}`, {
        name: cam,
        interval: v.interval ?? 0,
        group: "all",
        ...(v.skip ? { skip_unchanged: true } : {}),
      });
    }
    // Warm-up: every job has answered twice without errors (engines loaded), then 3 s more.
    const deadline = Date.now() + 240_000;
    for (;;) {
      const ok = cams.every((c) =>
        got.filter((r) => r.cam === c && r.results.length > 0 && r.results.every((e) => !e.error))
          .length >= 2
      );
      if (ok) break;
      if (Date.now() > deadline) {
        throw new Error(`${v.label}: jobs gave no clean readings in 240 s`);
      }
      await sleep(250);
    }
    await sleep(3_000);
    got.length = 0;
    const u0 = await treeUsage(server.pid);
    const t0 = performance.now();
    await sleep(seconds * 1000);
    const elapsed = (performance.now() - t0) / 1000;
    const u1 = await treeUsage(server.pid);
    const window = [...got];
    let framesSkipped: number | null = 0;
    for (const cam of cams) {
      const st = await server.api("GET", `/inference_status/${cam}`) as {
        job?: { frames_skipped?: number };
      };
      const n = st.job?.frames_skipped;
      framesSkipped = n === undefined || framesSkipped === null ? null : framesSkipped + n;
    }
    return figures(v, window, cams, elapsed, u1.cpu - u0.cpu, u1.rssMb, framesSkipped);
  } finally {
    for (const ws of sockets) ws.close();
    await server.stop();
  }
}

function figures(
  v: Variant,
  window: Received[],
  cams: string[],
  elapsed: number,
  cpu: number,
  rssMb: number,
  framesSkipped: number | null,
): RunFigures {
  const entries = window.flatMap((r) => r.results.map((e) => ({ ...e, cam: r.cam, recv: r.recv })));
  const frames = window.filter((r) => r.results.length > 0).length;
  const ok = entries.filter((e) => !e.error);
  const cached = ok.filter((e) => e.cached);
  const perJobReads = cams.map((c) => ok.filter((e) => e.cam === c).length);
  const fresh = ok.map((e) => e.result_time - e.frame_time);
  const client = ok.map((e) => e.recv - e.frame_time);
  const freshReal = ok.filter((e) => !e.cached).map((e) => e.result_time - e.frame_time);
  const right = (e: { id: string; text: string }) =>
    (v.expected.get(e.id) ?? []).includes(normalizeText(e.text));
  const ids = v.truth ? [...new Set(ok.map((e) => e.id))] : [...v.expected.keys()];
  const truth = v.truth?.(ok);
  const roisRight = v.truth ? NaN : ids.filter((id) => {
    const mine = ok.filter((e) => e.id === id);
    return mine.length > 0 && mine.filter(right).length / mine.length >= 0.5;
  }).length;
  const changesPerSecond: Record<string, number> = {};
  for (const id of v.changing ?? []) {
    const perCam = cams.map((c) => {
      const seq = ok.filter((e) => e.cam === c && e.id === id).map((e) => normalizeText(e.text));
      let n = 0;
      for (let i = 1; i < seq.length; i++) if (seq[i] !== seq[i - 1]) n++;
      return n / elapsed;
    });
    changesPerSecond[id] = median(perCam);
  }
  return {
    seconds: elapsed,
    readsPerSecond: ok.length / elapsed,
    realReadsPerSecond: (ok.length - cached.length) / elapsed,
    cachedShare: ok.length ? cached.length / ok.length : 0,
    errors: entries.length - ok.length,
    perJobReads,
    jobSpread: Math.max(...perJobReads) > 0
      ? (Math.max(...perJobReads) - Math.min(...perJobReads)) / Math.max(...perJobReads)
      : NaN,
    freshP50: percentile(fresh, 50),
    freshP95: percentile(fresh, 95),
    clientP50: percentile(client, 50),
    clientP95: percentile(client, 95),
    freshRealP50: percentile(freshReal, 50),
    freshRealP95: percentile(freshReal, 95),
    perRoiExact: v.truth ? {} : Object.fromEntries(ids.map((id) => {
      const mine = ok.filter((e) => e.id === id);
      return [id, mine.length ? mine.filter(right).length / mine.length : NaN];
    })),
    exactShare: truth
      ? truth.right / truth.total
      : ok.length
      ? ok.filter(right).length / ok.length
      : NaN,
    roisRight,
    cpuCores: cpu / elapsed,
    cpuPerCamera: cpu / elapsed / cams.length,
    framesPerSecond: frames / elapsed,
    cpuMsPerFrame: frames ? (1000 * cpu) / frames : NaN,
    rssMb,
    framesSkipped,
    changesPerSecond,
  };
}

/** The median of each figure over runs. */
export function medians(runs: RunFigures[]): RunFigures {
  const m = (f: (r: RunFigures) => number) => median(runs.map(f));
  const ids = Object.keys(runs[0]?.changesPerSecond ?? {});
  return {
    seconds: m((r) => r.seconds),
    readsPerSecond: m((r) => r.readsPerSecond),
    realReadsPerSecond: m((r) => r.realReadsPerSecond),
    cachedShare: m((r) => r.cachedShare),
    errors: m((r) => r.errors),
    perJobReads: runs[0]?.perJobReads ?? [],
    jobSpread: m((r) => r.jobSpread),
    freshP50: m((r) => r.freshP50),
    freshP95: m((r) => r.freshP95),
    clientP50: m((r) => r.clientP50),
    clientP95: m((r) => r.clientP95),
    freshRealP50: m((r) => r.freshRealP50),
    freshRealP95: m((r) => r.freshRealP95),
    perRoiExact: Object.fromEntries(
      Object.keys(runs[0]?.perRoiExact ?? {}).map((id) => [
        id,
        median(runs.map((r) => r.perRoiExact[id])),
      ]),
    ),
    exactShare: m((r) => r.exactShare),
    roisRight: m((r) => r.roisRight),
    cpuCores: m((r) => r.cpuCores),
    cpuPerCamera: m((r) => r.cpuPerCamera),
    framesPerSecond: m((r) => r.framesPerSecond),
    cpuMsPerFrame: m((r) => r.cpuMsPerFrame),
    rssMb: m((r) => r.rssMb),
    framesSkipped: runs.some((r) => r.framesSkipped === null) ? null : m((r) => r.framesSkipped!),
    changesPerSecond: Object.fromEntries(
      ids.map((id) => [id, median(runs.map((r) => r.changesPerSecond[id]))]),
    ),
  };
}

/** The HMI fixture's 12 text ROIs (rapid_ocr, default params) and their expected texts. */
export async function hmiRois(): Promise<
  { rois: Record<string, unknown>[]; expected: Map<string, string[]> }
> {
  const spec = JSON.parse(await Deno.readTextFile(join(FIXTURE, "screen_ocr.rois.json")));
  const text = (spec.rois as Record<string, unknown>[]).filter((r) => r.module !== "light_button");
  const rois = text.map(({ expected: _e, expected_value: _v, ...r }) => ({
    ...r,
    module: "rapid_ocr",
  }));
  const expected = new Map(text.map((r) => [String(r.id), [normalizeText(String(r.expected))]]));
  return { rois, expected };
}

/** Runs every variant `runs` times, interleaved; returns the runs per label. */
export async function interleaved(
  variants: Variant[],
  runs: number,
  seconds: number,
): Promise<Map<string, RunFigures[]>> {
  const out = new Map<string, RunFigures[]>(variants.map((v) => [v.label, []]));
  for (let i = 0; i < runs; i++) {
    for (const v of variants) {
      const f = await runVariant(v, seconds);
      console.error(`${v.label} run ${i + 1}: ${JSON.stringify(f)}`);
      out.get(v.label)!.push(f);
    }
  }
  return out;
}

/** Markdown table of the medians. */
export function table(rows: [string, RunFigures][]): string {
  const f = (x: number, n = 2) => (Number.isFinite(x) ? x.toFixed(n) : "–");
  const lines = [
    "| variant | ROI reads/s (real + cached) | real reads/s | reads per job spread | freshness p50 / p95 s | at client p50 / p95 s | readings exact | ROIs right | CPU cores | CPU per camera | frames/s | CPU ms per frame | RSS MB | frames skipped |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
  ];
  for (const [label, r] of rows) {
    lines.push(
      `| ${label} | ${f(r.readsPerSecond, 1)} | ${f(r.realReadsPerSecond, 1)} | ${
        f(100 * r.jobSpread, 0)
      } % | ${f(r.freshP50)} / ${f(r.freshP95)} | ${f(r.clientP50)} / ${f(r.clientP95)} | ${
        f(100 * r.exactShare, 1)
      } % | ${Number.isFinite(r.roisRight) ? r.roisRight : "–"} | ${f(r.cpuCores)} | ${
        f(r.cpuPerCamera)
      } | ${f(r.framesPerSecond, 1)} | ${f(r.cpuMsPerFrame, 0)} | ${f(r.rssMb, 0)} | ${
        r.framesSkipped ?? "n/a"
      } |`,
    );
  }
  return lines.join("\n");
}

/** The section. */
export async function run(): Promise<BenchSection> {
  const seconds = Number(Deno.env.get("BENCH_CAP_SECONDS") ?? 30);
  const runs = Number(Deno.env.get("BENCH_CAP_RUNS") ?? 3);
  const cameras = Number(Deno.env.get("BENCH_CAP_CAMERAS") ?? 4);
  const fps = Number(Deno.env.get("BENCH_CAP_FPS") ?? 10);
  const baseline = Deno.env.get("BENCH_CAP_BASELINE") ?? "a0e8d13";
  const tmp = await Deno.makeTempDir({ prefix: "visionroi-capacity-" });
  const clip = join(tmp, "hmi30.mp4");
  await makeClip(join(FIXTURE, "screen_ocr.jpg"), clip, { fps: 30, seconds: 4 });
  const base = await checkoutAt(ROOT, baseline);
  const { rois, expected } = await hmiRois();
  const common = { source: clip, rois, cameras, expected };
  const variants: Variant[] = [
    { label: `${baseline} (before; 5 fps fixed)`, checkout: base, ...common },
    { label: "this branch, 5 fps", checkout: ROOT, fps: 5, ...common },
    { label: `this branch, ${fps} fps`, checkout: ROOT, fps, ...common },
    {
      label: "this branch, 5 fps, skip_unchanged (the ROI editor's default for new ROIs)",
      checkout: ROOT,
      fps: 5,
      skip: true,
      ...common,
    },
  ];
  const loadBefore = await machineLoad();
  try {
    const results = await interleaved(variants, runs, seconds);
    const loadAfter = await machineLoad();
    const rows = variants.map((v) =>
      [v.label, medians(results.get(v.label)!)] as [string, RunFigures]
    );
    const [before, , after, skipped] = rows.map(([, r]) => r);
    const markdown = [
      `${cameras} sources on one 30 fps h264 clip of the HMI photo (1478×1108), the same 12 text ROIs on each (\`rapid_ocr\`, default params), ${cameras} jobs at interval 0, group \`all\`. Each variant is its own server process (\`deno run -A mod.ts\`), driven from this client process through the public API (\`/create_source\`, \`/save_roi\`, \`/start_inference\`, \`/ws_roi_result\`); measured for ${seconds} s after every job gave two clean readings. Medians of ${runs} interleaved runs. CPU: the server's process tree (Deno with its workers, ffmpeg children) from /proc.`,
      "",
      table(rows),
      "",
      `Ratios ${rows[2][0]} / before: reads/s ×${
        (after.readsPerSecond / before.readsPerSecond).toFixed(2)
      }, freshness p50 ×${(after.freshP50 / before.freshP50).toFixed(2)}, p95 ×${
        (after.freshP95 / before.freshP95).toFixed(2)
      }; at the client p50 ×${(after.clientP50 / before.clientP50).toFixed(2)}, p95 ×${
        (after.clientP95 / before.clientP95).toFixed(2)
      }; CPU ×${(after.cpuCores / before.cpuCores).toFixed(2)}.`,
      "",
      `With skip_unchanged (every frame of this clip is the same photo, so after the first read a ROI is read for real every 10 s and reused in between): ${
        f(skipped.readsPerSecond, 1)
      } ROI reads/s (${f(skipped.realReadsPerSecond, 1)} real), freshness p50 ${
        f(skipped.freshP50)
      } s / p95 ${f(skipped.freshP95)} s, CPU ${f(skipped.cpuCores)} cores; ratios to ${
        rows[1][0]
      }: reads/s ×${(skipped.readsPerSecond / rows[1][1].readsPerSecond).toFixed(2)}, CPU ×${
        (skipped.cpuCores / rows[1][1].cpuCores).toFixed(2)
      }. A clip whose values change is measured in "skip_unchanged" below.`,
      "",
      `Freshness as the results say it: before this change a ROI's \`result_time\` was \`frame_time\` + the time since the read was queued, so the wait between capture and dispatch did not show; now it is when the answer came. The "at client" columns (receipt at this client − \`frame_time\`) measure both the same way. Per-ROI CPU cost: ${
        (after.cpuCores / after.realReadsPerSecond * 1000).toFixed(0)
      } ms of CPU per real read now, ${
        (before.cpuCores / before.readsPerSecond * 1000).toFixed(0)
      } ms before (including ffmpeg decoding and the server).`,
      "",
      `Machine: 2 cores, nothing else running but this bench and its servers (${loadBefore} before, ${loadAfter} after; the load average counts the previous variant's server too).`,
    ].join("\n");
    return {
      title: "Capacity: 4 cameras × 12 text ROIs through the public API",
      markdown,
      data: {
        seconds,
        runs,
        cameras,
        fps,
        baseline,
        loadBefore,
        loadAfter,
        results: Object.fromEntries(results),
      },
    };
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    await Deno.remove(base, { recursive: true }).catch(() => {});
  }
}

function f(x: number, n = 2): string {
  return Number.isFinite(x) ? x.toFixed(n) : "–";
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

if (import.meta.main) {
  const s = await run();
  console.log(`## ${s.title}\n\n${s.markdown}`);
}
