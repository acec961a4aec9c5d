/**
 * `skip_unchanged` on and off, through the public API (bench/live_server.ts), on two sources whose
 * values change:
 *
 * - the demo panel (4 cameras `demo:camN`, its 4 ROIs): the counter changes every second, the lamp
 *   every 3 s, temperature and pressure every few seconds. Every reading is checked against what the
 *   panel showed at its `frame_time` (the panel's start is recovered from the counter readings of the
 *   run, the same way for both variants);
 * - a clip of the HMI photo where ROI 1 (87 ↔ 80) and ROI 4 (83 ↔ 100) change every second and the
 *   other 10 text ROIs never do (4 cameras × 12 ROIs, `rapid_ocr`): static ROIs must read exactly as
 *   before, the changing ones must be one of their two values and change as often as without it.
 *
 * Medians of BENCH_SKIP_RUNS (3) interleaved runs of BENCH_SKIP_SECONDS (30) each.
 */
import { join } from "node:path";
import type { BenchSection } from "./section.ts";
import { machineLoad, makeClip } from "./live_server.ts";
import {
  hmiRois,
  interleaved,
  medians,
  type RunFigures,
  table,
  type TruthEntry,
  type Variant,
} from "./capacity.ts";
import { demoRois, demoStateAt } from "../actors/frame_sources/demo.ts";
import { normalizeText } from "../inference_modules/testing/fixtures.ts";

const FIXTURE = new URL("../../shared/fixtures/hmi_screen/", import.meta.url).pathname;
const ROOT = new URL("..", import.meta.url).pathname;

/** The filter that makes ROI `to` show ROI `from`'s crop during odd... even seconds. */
function swapFilter(rois: Record<string, unknown>[], pairs: [string, string][]): string {
  const box = (id: string) => {
    const r = rois.find((r) => String(r.id) === id)!;
    const pts = r.points as { x: number; y: number }[];
    const xs = pts.map((p) => p.x), ys = pts.map((p) => p.y);
    const x = Math.min(...xs), y = Math.min(...ys);
    return { x, y, w: Math.max(...xs) - x, h: Math.max(...ys) - y };
  };
  const parts = [`[0:v]split=${pairs.length + 1}[base]${pairs.map((_, i) => `[s${i}]`).join("")}`];
  let last = "base";
  pairs.forEach(([to, from], i) => {
    const a = box(to), b = box(from);
    parts.push(`[s${i}]crop=${b.w}:${b.h}:${b.x}:${b.y},scale=${a.w}:${a.h}[p${i}]`);
    parts.push(`[${last}][p${i}]overlay=${a.x}:${a.y}:enable='lt(mod(t\\,2)\\,1)'[o${i}]`);
    last = `o${i}`;
  });
  return parts.join(";") + `;[${last}]null`;
}

/** The section. */
export async function run(): Promise<BenchSection> {
  const seconds = Number(Deno.env.get("BENCH_SKIP_SECONDS") ?? 30);
  const runs = Number(Deno.env.get("BENCH_SKIP_RUNS") ?? 3);
  const tmp = await Deno.makeTempDir({ prefix: "visionroi-skip-" });
  try {
    const { rois, expected } = await hmiRois();
    const pairs: [string, string][] = [["1", "2"], ["4", "3"]];
    const clip = join(tmp, "hmi_changing.mp4");
    await makeClip(join(FIXTURE, "screen_ocr.jpg"), clip, {
      fps: 30,
      seconds: 4,
      filter: swapFilter(rois, pairs),
    });
    const mixedExpected = new Map(expected);
    for (const [to, from] of pairs) {
      mixedExpected.set(to, [...expected.get(to)!, ...expected.get(from)!]);
    }
    const mixed = {
      source: clip,
      rois,
      cameras: 4,
      expected: mixedExpected,
      fps: 10,
      changing: pairs.map(([to]) => to),
    };
    const demo = {
      source: "demo",
      rois: demoRois("panel"),
      cameras: 4,
      // Checked against the panel's values below, not by a fixed text.
      expected: new Map<string, string[]>(),
      truth: demoTruth,
      changing: ["counter", "pump_lamp"],
      fps: 5,
    };
    const one = { ...mixed, cameras: 1, interval: 1.5 };
    const pairsOf: [string, typeof demo | typeof mixed | typeof one][] = [
      ["demo panel", demo],
      ["HMI clip (2 of 12 ROIs change each second)", mixed],
      // Demand below what the machine gives: CPU then follows the work instead of filling the cores.
      ["HMI clip, 1 camera, interval 1.5 s", one],
    ];
    const variants: Variant[] = pairsOf.flatMap(([name, cfg]) => [
      { label: `${name}, off`, checkout: ROOT, ...cfg },
      { label: `${name}, on`, checkout: ROOT, skip: true, ...cfg },
    ]);
    const loadBefore = await machineLoad();
    const results = await interleaved(variants, runs, seconds);
    const loadAfter = await machineLoad();
    const markdown = render(
      pairsOf.map(([n]) => n),
      variants.map((v) => v.label),
      results,
      { seconds, runs, loadBefore, loadAfter },
    );
    return {
      title: "skip_unchanged: reuse readings of crops that did not change",
      markdown,
      data: { seconds, runs, loadBefore, loadAfter, results: Object.fromEntries(results) },
    };
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
}

/** The section's markdown from the runs (also used to re-render it from RESULTS.json). */
export function render(
  names: string[],
  labels: string[],
  results: Map<string, RunFigures[]>,
  m: { seconds: number; runs: number; loadBefore: string; loadAfter: string },
): string {
  const rows = labels.map((l) => [l, medians(results.get(l)!)] as [string, RunFigures]);
  const x = (off: RunFigures, on: RunFigures, f: (r: RunFigures) => number) =>
    `×${(f(on) / f(off)).toFixed(2)}`;
  const pct = (n: number) => `${(100 * n).toFixed(1)} %`;
  const summary = [
    `| | ${names.join(" | ")} |`,
    `|---|${names.map(() => "---").join("|")}|`,
  ];
  const line = (label: string, cell: (off: RunFigures, on: RunFigures) => string) =>
    summary.push(
      `| ${label} | ${names.map((_, i) => cell(rows[2 * i][1], rows[2 * i + 1][1])).join(" | ")} |`,
    );
  line("cached share (on)", (_, on) => pct(on.cachedShare));
  line("CPU ms per frame on / off", (off, on) => x(off, on, (r) => r.cpuMsPerFrame));
  line("CPU per camera on / off", (off, on) => x(off, on, (r) => r.cpuPerCamera));
  line("freshness p50 on / off", (off, on) => x(off, on, (r) => r.freshP50));
  line("freshness p95 on / off", (off, on) => x(off, on, (r) => r.freshP95));
  line(
    "freshness p50 / p95 of real reads on / off",
    (off, on) => `${x(off, on, (r) => r.freshRealP50)} / ${x(off, on, (r) => r.freshRealP95)}`,
  );
  line("ROIs below 90 % exact (on / off)", (off, on) => `${weak(on)} / ${weak(off)}`);
  line("readings exact on / off", (off, on) => `${pct(on.exactShare)} / ${pct(off.exactShare)}`);
  line(
    "changes/s of the changing ROIs on / off",
    (off, on) => `${fmtChanges(on)} / ${fmtChanges(off)}`,
  );
  return [
    `Through the public API like the capacity case (own server process per variant, jobs at interval 0 unless said), ${m.seconds} s per run, medians of ${m.runs} interleaved runs. "readings exact" on the demo panel: each reading against the panel's value at its \`frame_time\`; on the HMI clip: static ROIs against their text, the two changing ROIs against either of their two values. "changes/s": how often the reading of a changing ROI changed (the truth is 1/s; fewer when a job reads fewer than 2 frames a second). With interval 0 on a saturated machine the jobs use all CPU they get, so "CPU per camera" stays flat and the saving shows as more frames per CPU second ("CPU ms per frame"); the 1-camera row asks for less than the machine gives, so there CPU follows the work.`,
    "",
    table(rows),
    "",
    ...summary,
    "",
    `Where the demo panel's exactness differs between on and off, look at which values were shown: the demo's \`digits\` module misreads a few counter values the same way with and without skip_unchanged (1214 → "01244", 1219 → "012419"; an in-process check over 40 s found the same 4 panel seconds wrong in both, 410/428 readings right with it on and 168/172 off). Frames within a panel second are pixel-identical, so with skip_unchanged such a misreading is repeated (cached) for every frame of that second, while without it about one frame a second is read: per-reading shares then follow which seconds fell in the window, not the cache. "n/a": the demo is checked against the panel's values, not per ROI.`,
    "",
    `Machine: 2 cores shared with other engineers' builds and tests (${m.loadBefore} before, ${m.loadAfter} after).`,
  ].join("\n");
}

function weak(r: RunFigures): string {
  if (Object.keys(r.perRoiExact).length === 0) return "n/a";
  const ids = Object.entries(r.perRoiExact).filter(([, v]) => v < 0.9);
  return ids.length ? ids.map(([id, v]) => `${id} ${(100 * v).toFixed(0)} %`).join(", ") : "none";
}

function fmtChanges(r: RunFigures): string {
  return Object.entries(r.changesPerSecond).map(([id, n]) => `${id} ${n.toFixed(2)}`).join(", ");
}

/**
 * The demo panel's truth for a run: the panel shows `demoStateAt(floor(t − start))`, where `start`
 * is its camera's first frame. `start` is recovered per camera as the point most counter readings
 * agree on; then every reading is checked against the value shown at its `frame_time`.
 */
export function demoTruth(entries: TruthEntry[]): { right: number; total: number } {
  let right = 0, total = 0;
  for (const cam of new Set(entries.map((e) => e.cam))) {
    const mine = entries.filter((e) => e.cam === cam);
    const bounds: [number, number][] = [];
    for (const e of mine) {
      if (e.id !== "counter" || e.cached || !/^\d+$/.test(e.text)) continue;
      const tick = Number(e.text) - 1200;
      bounds.push([e.frame_time - tick - 1, e.frame_time - tick]);
    }
    // The point inside most intervals (start ∈ (lo, hi]).
    const events = bounds.flatMap(([lo, hi]) => [[lo, 1], [hi, -1]] as [number, number][])
      .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let depth = 0, best = -1, start = NaN;
    for (let i = 0; i < events.length; i++) {
      depth += events[i][1];
      if (depth > best && i + 1 < events.length) {
        best = depth;
        start = (events[i][0] + events[i + 1][0]) / 2;
      }
    }
    for (const e of mine) {
      total++;
      if (!Number.isFinite(start)) continue;
      const state = demoStateAt(Math.floor(e.frame_time - start));
      const want = e.id === "pump_lamp"
        ? (state.lampOn ? "on" : "off")
        : state.values[e.id as "temperature" | "pressure" | "counter"];
      if (normalizeText(e.text) === want) right++;
    }
  }
  return { right, total };
}

if (import.meta.main) {
  const s = await run();
  console.log(`## ${s.title}\n\n${s.markdown}`);
}
