/**
 * Benchmark of the non-ONNX modules on `../shared/fixtures`: lamp accuracy (light_button), HMI text
 * (tesseract_ocr: exact and main-value matches per ROI), per-crop latency through the worker pool
 * (warp included), and tesseract.js against the native `tesseract` CLI on the same crops.
 */
import sharp from "sharp";
import { createWorker, OEM, PSM } from "tesseract.js";
import { loadCv } from "../inference_modules/cv_loader.ts";
import { createRegistry } from "../inference_modules/registry.ts";
import { cropRoi, frameToMat } from "../inference_modules/roi_crop.ts";
import { validateRoiPolygon } from "../inference_modules/roi_polygon.ts";
import { engLangPath } from "../inference_modules/tesseract_ocr/engine.ts";
import {
  type FixtureRoi,
  fixturesPresent,
  loadFixture,
  normalizeText,
} from "../inference_modules/testing/fixtures.ts";
import { WorkerPool } from "../inference_modules/worker_pool.ts";
import type { Frame } from "../actors/frame_sources/frame.ts";
import { type BenchSection, median, percentile } from "./section.ts";

const LAMPS = [
  ["lamps/led_button1.png", "lamps/led_button1.rois.json"],
  ["lamps/led_button2.png", "lamps/led_button2.rois.json"],
] as const;
const HMI = ["hmi_screen/screen_ocr.jpg", "hmi_screen/screen_ocr.rois.json"] as const;

/** Whether `text` holds the ROI's main value (numbers compare as numbers: "00" matches "0.0"). */
export function mainValueMatches(text: string, roi: FixtureRoi): boolean {
  const want = roi.expected_value ?? roi.expected.match(/-?\d+(?:\.\d+)?/)?.[0];
  if (!want) return false;
  if (!/^-?\d+(\.\d+)?$/.test(want)) return normalizeText(text).includes(want);
  const got = text.match(/-?\d+(?:\.\d+)?/)?.[0];
  return got !== undefined && Number(got) === Number(want);
}

async function loadAvg(): Promise<string> {
  return (await Deno.readTextFile("/proc/loadavg")).split(" ").slice(0, 3).join(" ");
}

/** Reads each ROI alone, `rounds` times, and returns the per-crop round-trip times in ms. */
async function latency(pool: WorkerPool, frame: Frame, rois: FixtureRoi[], rounds: number) {
  const ms: number[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const roi of rois) {
      const t0 = performance.now();
      const [res] = await pool.readFrame(frame, [roi], { deadlineMs: 60_000 });
      if (res.error) throw new Error(res.error);
      ms.push(performance.now() - t0);
    }
  }
  return ms;
}

/** Runs the section (about a minute on 2 cores). */
export async function run(): Promise<BenchSection> {
  const title = "Modules: light_button and tesseract_ocr on real fixtures";
  if (!fixturesPresent) {
    return { title, markdown: "Skipped: ../shared/fixtures is absent.", data: { skipped: true } };
  }
  const loadBefore = await loadAvg();
  const registry = await createRegistry();
  const pool = new WorkerPool({ registry });
  try {
    await pool.ready();
    const lamps = await lampSection(pool);
    const hmi = await loadFixture(HMI[0], HMI[1]);
    const texts = hmi.rois.filter((r) => r.module === "tesseract_ocr");
    await pool.readFrame(hmi.frame, texts, { deadlineMs: 120_000 }); // engines load and warm
    const results = await pool.readFrame(hmi.frame, texts, { deadlineMs: 120_000 });
    const rows = texts.map((roi, i) => ({
      id: roi.id,
      expected: normalizeText(roi.expected),
      got: normalizeText(results[i].error ?? results[i].text),
      exact: normalizeText(results[i].text) === normalizeText(roi.expected),
      main: mainValueMatches(results[i].text, roi),
    }));
    const tessMs = await latency(pool, hmi.frame, texts, 2);
    const engines = await engineComparison(hmi.frame, texts);
    const loadAfter = await loadAvg();
    const data = {
      lamps,
      hmi: rows,
      latency: { light_button: lamps.ms, tesseract_ocr: tessMs },
      engines,
    };
    return { title, markdown: markdown(data, pool.stats().workers, [loadBefore, loadAfter]), data };
  } finally {
    await pool.close();
  }
}

async function lampSection(pool: WorkerPool) {
  let right = 0, total = 0;
  const wrong: string[] = [];
  const ms: number[] = [];
  for (const [image, rois] of [...LAMPS, HMI]) {
    const f = await loadFixture(image, rois);
    const lamps = f.rois.filter((r) => r.module === "light_button");
    const results = await pool.readFrame(f.frame, lamps, { deadlineMs: 60_000 });
    results.forEach((r, i) => {
      total++;
      if (r.text === lamps[i].expected) right++;
      else wrong.push(`${image} ${r.id}: ${r.error ?? r.text}`);
    });
    ms.push(...await latency(pool, f.frame, lamps, 3));
  }
  return { right, total, wrong, ms };
}

type Reading = { text: string; ms: number };

/** tesseract.js (warm, in this thread) and the CLI on the same rectified crops, no preprocessing. */
async function engineComparison(frame: Frame, rois: FixtureRoi[]) {
  const { cv } = await loadCv();
  const dir = await Deno.makeTempDir({ prefix: "visionroi_bench_crops_" });
  const mat = frameToMat(cv, frame);
  const tess = await createWorker("eng", OEM.LSTM_ONLY, {
    langPath: engLangPath(),
    gzip: true,
    cacheMethod: "none",
  });
  try {
    await tess.setParameters({ tessedit_pageseg_mode: PSM.SINGLE_LINE, user_defined_dpi: "300" });
    const hasCli = await cliPresent();
    const out = [];
    for (const roi of rois) {
      const { crop } = cropRoi(cv, mat, {
        quad: validateRoiPolygon(roi.id, roi.points, frame),
        frame,
      });
      const png = await sharp(crop.data, {
        raw: { width: crop.width, height: crop.height, channels: 4 },
      })
        .png().toBuffer();
      const path = `${dir}/${roi.id}.png`;
      await Deno.writeFile(path, png);
      const t0 = performance.now();
      const js = (await tess.recognize(png)).data.text;
      const jsReading: Reading = { text: normalizeText(js), ms: performance.now() - t0 };
      const cliReading = hasCli ? await cli(path) : undefined;
      out.push({
        id: roi.id,
        expected: normalizeText(roi.expected),
        js: jsReading,
        cli: cliReading,
      });
    }
    return { cli: hasCli, crops: out };
  } finally {
    mat.delete();
    await tess.terminate();
    await Deno.remove(dir, { recursive: true });
  }
}

async function cliPresent(): Promise<boolean> {
  try {
    return (await new Deno.Command("tesseract", {
      args: ["--version"],
      stdout: "null",
      stderr: "null",
    })
      .output()).success;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

async function cli(path: string): Promise<Reading> {
  const t0 = performance.now();
  const out = await new Deno.Command("tesseract", {
    args: [path, "-", "--psm", "7"],
    env: { OMP_THREAD_LIMIT: "1" },
    stdout: "piped",
    stderr: "null",
  }).output();
  return { text: normalizeText(new TextDecoder().decode(out.stdout)), ms: performance.now() - t0 };
}

function f1(n: number): string {
  return Number.isFinite(n) ? n.toFixed(1) : "–";
}

function markdown(
  d: {
    lamps: Awaited<ReturnType<typeof lampSection>>;
    hmi: { id: string; expected: string; got: string; exact: boolean; main: boolean }[];
    latency: Record<string, number[]>;
    engines: Awaited<ReturnType<typeof engineComparison>>;
  },
  workers: number,
  load: string[],
): string {
  const exact = d.hmi.filter((r) => r.exact).length, main = d.hmi.filter((r) => r.main).length;
  const lines = [
    `Pool of ${workers} workers; load average before/after: ${load[0]} / ${load[1]} ` +
    "(other engineers share this 2-core machine).",
    "",
    `**Lamps (light_button): ${d.lamps.right}/${d.lamps.total}** — 25 panel lamps + 2 lit HMI buttons` +
    (d.lamps.wrong.length ? `; wrong: ${d.lamps.wrong.join(", ")}` : "") + ".",
    "",
    `**HMI text (tesseract_ocr, default params): exact ${exact}/${d.hmi.length}, main value ${main}/${d.hmi.length}**`,
    "",
    "| ROI | expected | read | exact | main value |",
    "|---|---|---|---|---|",
    ...d.hmi.map((r) =>
      `| ${r.id} | \`${r.expected}\` | \`${r.got}\` | ${r.exact ? "✓" : "✗"} | ${
        r.main ? "✓" : "✗"
      } |`
    ),
    "",
    "Per-crop latency through the pool (one ROI per `readFrame`, warp and messaging included), ms:",
    "",
    "| module | n | p50 | p95 |",
    "|---|---|---|---|",
    ...Object.entries(d.latency).map(([m, xs]) =>
      `| ${m} | ${xs.length} | ${f1(median(xs))} | ${f1(percentile(xs, 95))} |`
    ),
    "",
  ];
  const crops = d.engines.crops;
  const rate = (pick: (c: (typeof crops)[number]) => Reading | undefined) =>
    crops.filter((c) => pick(c)?.text === c.expected).length;
  lines.push(
    "tesseract.js (warm worker, this thread) vs the native CLI (`OMP_THREAD_LIMIT=1 tesseract crop.png - --psm 7`, " +
      "one process per crop) on the same raw rectified crops, no preprocessing:",
    "",
    "| engine | exact | p50 ms | p95 ms |",
    "|---|---|---|---|",
    `| tesseract.js | ${rate((c) => c.js)}/${crops.length} | ${
      f1(median(crops.map((c) => c.js.ms)))
    } | ${f1(percentile(crops.map((c) => c.js.ms), 95))} |`,
    d.engines.cli
      ? `| tesseract CLI | ${rate((c) => c.cli)}/${crops.length} | ${
        f1(median(crops.map((c) => c.cli!.ms)))
      } | ${f1(percentile(crops.map((c) => c.cli!.ms), 95))} |`
      : "| tesseract CLI | not installed | – | – |",
  );
  return lines.join("\n");
}

if (import.meta.main) {
  const section = await run();
  console.log(`## ${section.title}\n\n${section.markdown}`);
}
