/**
 * Page detection per frame on one worker: ORB + RANSAC homography (+ refinement) of synthetic pages
 * shown shifted, turned and scaled, against one and two templates; wall time of `detectPages` per
 * frame (the frame post included), the winner's score and its worst corner error in pixels.
 */
import { createRegistry } from "../inference_modules/registry.ts";
import { WorkerPool } from "../inference_modules/worker_pool.ts";
import { createPageDetector, type PageEntry } from "../inference_modules/page_detector.ts";
import {
  alarmPage,
  demoPage,
  type Image,
  mapPoint,
  type Matrix3,
  placePage,
  rectPoints,
  similarity,
  templateBase64,
} from "../tests/helpers/pages.ts";
import { type BenchSection, median, percentile } from "./section.ts";

interface Scenario {
  name: string;
  size: { width: number; height: number };
  page?: Image;
  shown: Matrix3;
  pages: number;
}

const SCENARIOS: Scenario[] = [
  {
    name: "1600×900, page turned 4°, 0.9×",
    size: { width: 1600, height: 900 },
    page: demoPage(37),
    shown: similarity(4, 0.9, 200, 100),
    pages: 1,
  },
  {
    name: "1600×900, same, 2 templates",
    size: { width: 1600, height: 900 },
    page: demoPage(37),
    shown: similarity(4, 0.9, 200, 100),
    pages: 2,
  },
  {
    name: "1920×1080, page turned −8°, 1.2×",
    size: { width: 1920, height: 1080 },
    page: demoPage(99),
    shown: similarity(-8, 1.2, 60, 220),
    pages: 2,
  },
  {
    name: "1280×720, page shifted only",
    size: { width: 1280, height: 720 },
    page: demoPage(3),
    shown: similarity(0, 0.8, 90, 60),
    pages: 2,
  },
  {
    name: "1600×900, blank frame",
    size: { width: 1600, height: 900 },
    shown: similarity(0, 1, 0, 0),
    pages: 2,
  },
];

const RUNS = Number(Deno.env.get("BENCH_PAGE_RUNS") ?? 15);

/** Measures page detection. */
export async function run(): Promise<BenchSection> {
  const dataDir = await Deno.makeTempDir({ prefix: "visionroi-bench-pages-" });
  const pool = new WorkerPool({ registry: await createRegistry({ dataDir }), dataDir, workers: 1 });
  const rows: Record<string, unknown>[] = [];
  const loadBefore = await loadAverage();
  try {
    await pool.ready();
    const detect = createPageDetector(pool);
    const panel: PageEntry = {
      id: "panel",
      page: "panel",
      image: await templateBase64(demoPage(0)),
      points: rectPoints(0, 0, 1280, 720),
    };
    const alarms: PageEntry = { ...panel, id: "alarms", page: "alarms" };
    alarms.image = await templateBase64(alarmPage());
    for (const s of SCENARIOS) {
      const pages = s.pages === 1 ? [panel] : [alarms, panel];
      const times: number[] = [];
      let last: Awaited<ReturnType<typeof detect>> | undefined;
      for (let i = 0; i < RUNS + 2; i++) {
        const frame = await placePage(s.page, s.shown, s.size); // a new frame: posted every time
        const t0 = performance.now();
        last = await detect(frame, pages);
        if (i >= 2) times.push(performance.now() - t0); // the first calls decode templates
      }
      const truth = rectPoints(0, 0, 1280, 720).map((p) => mapPoint(s.shown, p));
      const err = last?.outline
        ? Math.max(...last.outline.map((p, i) => Math.hypot(p.x - truth[i].x, p.y - truth[i].y)))
        : null;
      rows.push({
        scenario: s.name,
        templates: pages.length,
        median_ms: median(times),
        p95_ms: percentile(times, 95),
        group: last?.group ?? "",
        best_score: last?.scores[0]?.score ?? 0,
        corner_error_px: err,
      });
    }
  } finally {
    await pool.close();
    await Deno.remove(dataDir, { recursive: true });
  }
  const load = `${loadBefore} before, ${await loadAverage()} after`;
  return {
    title: "Page detection (ORB + homography, one worker)",
    markdown: table(rows) + `Load average (1 min) while it ran: ${load}.\n`,
    data: { runs: RUNS, load, rows },
  };
}

/** The 1-minute load average: what else was running. */
async function loadAverage(): Promise<string> {
  return (await Deno.readTextFile("/proc/loadavg")).split(" ")[0];
}

function table(rows: Record<string, unknown>[]): string {
  const fmt = (v: unknown) =>
    typeof v === "number" ? v.toFixed(v < 10 ? 2 : 0) : v === null ? "–" : String(v);
  const lines = [
    "| scenario | templates | median ms | p95 ms | group | best score | worst corner error px |",
    "|---|---|---|---|---|---|---|",
    ...rows.map((r) =>
      `| ${r.scenario} | ${r.templates} | ${fmt(r.median_ms)} | ${fmt(r.p95_ms)} | ${
        r.group || "(none)"
      } | ${fmt(r.best_score)} | ${fmt(r.corner_error_px)} |`
    ),
  ];
  return lines.join("\n") +
    `\n\n${RUNS} frames per scenario after 2 warm-up frames; wall time of the detector call ` +
    "(hash lookup, frame post, grey + ORB on the frame at ≤ 960 px, per template: knnMatch, " +
    "RANSAC, refinement). Templates are decoded and their features computed once per worker.\n";
}
