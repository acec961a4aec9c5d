/**
 * Bench of `sevenseg` against `digits` (OCR) on the same images: the synthetic displays of
 * bench/sevenseg_synth.ts (ghost segments, colours, slant, keystone, blur, glare, noise, JPEG)
 * and the real LCD digit crops; and `digits` with `display: "auto"` against OCR only on the real
 * meter-counter digits, to show auto-detection loses nothing there.
 */
import { loadCv } from "../inference_modules/cv_loader.ts";
import { createEngine as createDigits } from "../inference_modules/digits/engine.ts";
import type { ModuleEngine, RgbaImage } from "../inference_modules/module_types.ts";
import {
  decodeImage,
  fixturesPresent,
  listLabelled,
} from "../inference_modules/onnx/fixture_images.ts";
import { decodeSevenSeg } from "../inference_modules/sevenseg/decode.ts";
import { type BenchSection, median } from "./section.ts";
import { synthSet } from "./sevenseg_synth.ts";

const SYNTH_COUNT = 200;
const SYNTH_SEED = 13;

interface Item {
  image: RgbaImage;
  want: string;
  digits?: number;
  ghost?: boolean;
}

async function tryRead(e: ModuleEngine, img: RgbaImage, params: Record<string, unknown>) {
  try {
    return (await e.read(img, params, { roiId: "bench" })).text;
  } catch (err) {
    return `error: ${(err as Error).message}`;
  }
}

async function score(items: Item[], read: (it: Item) => Promise<string> | string) {
  let ok = 0;
  const ms: number[] = [];
  for (const it of items) {
    const t0 = performance.now();
    const got = await read(it);
    ms.push(performance.now() - t0);
    if (got === it.want) ok++;
  }
  return {
    ok,
    n: items.length,
    pct: Math.round((1000 * ok) / Math.max(1, items.length)) / 10,
    msMedian: median(ms),
  };
}

function goal(row: unknown, pct: number): string {
  const r = row as { pct: number } | undefined;
  if (!r) return "not measured";
  return `${r.pct} % (${r.pct >= pct ? "reached" : "not reached"})`;
}

/** Runs the section (a few minutes on 2 cores: OCR is the slow part). */
export async function run(): Promise<BenchSection> {
  const title = "Seven-segment displays: sevenseg vs digits";
  const synth: Item[] = (await synthSet(SYNTH_COUNT, SYNTH_SEED)).map((s) => ({
    image: s.image,
    want: s.text,
    digits: s.spec.cells.length,
    ghost: s.spec.ghost.some((v, i) => Math.abs(v - s.spec.bg[i]) > 1),
  }));
  const { cv } = await loadCv();
  const digits = await createDigits({ cv, onnxBackend: "auto", dataDir: Deno.cwd(), env: {} });
  const seg = (it: Item) => {
    const r = decodeSevenSeg(it.image, { digits: it.digits });
    return r.error ? `error: ${r.error}` : r.text;
  };
  const rows: Record<string, unknown> = {};
  rows.synth_sevenseg = await score(synth, seg);
  rows.synth_ghost_sevenseg = await score(synth.filter((s) => s.ghost), seg);
  rows.synth_digits_ocr = await score(
    synth,
    (it) => tryRead(digits, it.image, { display: "ocr", digit_count: it.digits }),
  );
  rows.synth_ghost_digits_ocr = await score(
    synth.filter((s) => s.ghost),
    (it) => tryRead(digits, it.image, { display: "ocr", digit_count: it.digits }),
  );
  rows.synth_digits_auto = await score(
    synth,
    (it) => tryRead(digits, it.image, { digit_count: it.digits }),
  );
  if (fixturesPresent("sevenseg bench (real crops)")) {
    const real: Item[] = [];
    for (const f of listLabelled("sevenseg")) {
      real.push({
        image: await decodeImage(f.path),
        want: f.label === "blank" ? "" : f.label,
        digits: 1,
      });
    }
    rows.real_sevenseg = await score(real, seg);
    rows.real_digits_ocr = await score(real, (it) => tryRead(digits, it.image, { display: "ocr" }));
    rows.real_digits_auto = await score(real, (it) => tryRead(digits, it.image, {}));
    const meters: Item[] = [];
    for (const f of listLabelled("meter_digits", (l) => l.endsWith(".0"))) {
      meters.push({ image: await decodeImage(f.path), want: f.label.replace(".0", "") });
    }
    rows.meter_digits_ocr = await score(
      meters,
      (it) => tryRead(digits, it.image, { display: "ocr" }),
    );
    rows.meter_digits_auto = await score(meters, (it) => tryRead(digits, it.image, {}));
  }
  await digits.dispose?.();
  const label: Record<string, string> = {
    synth_sevenseg:
      `synthetic displays (${SYNTH_COUNT}, seed ${SYNTH_SEED}), whole display exact | sevenseg`,
    synth_ghost_sevenseg: "synthetic, only displays with ghost segments | sevenseg",
    synth_digits_ocr: 'synthetic displays | digits (OCR, `display: "ocr"`)',
    synth_ghost_digits_ocr: "synthetic, only displays with ghost segments | digits (OCR)",
    synth_digits_auto: 'synthetic displays | digits (`display: "auto"`, default)',
    real_sevenseg: "real LCD digit crops (220) | sevenseg (`digits: 1`)",
    real_digits_ocr: "real LCD digit crops | digits (OCR)",
    real_digits_auto: "real LCD digit crops | digits (auto)",
    meter_digits_ocr: "real meter-counter digits N.0 | digits (OCR)",
    meter_digits_auto: "real meter-counter digits N.0 | digits (auto)",
  };
  const lines = [
    "| images | reader | exact | % | median ms |",
    "|---|---|---|---|---|",
    ...Object.entries(rows).map(([k, v]) => {
      const r = v as { ok: number; n: number; pct: number; msMedian: number };
      return `| ${label[k]} | ${r.ok}/${r.n} | ${r.pct} | ${r.msMedian.toFixed(1)} |`;
    }),
    "",
    "Synthetic set: `bench/sevenseg_synth.ts` (3–6 cells, LCD and LED/VFD colours, ghosts at 8–45 % of",
    "the lit contrast in the segment's colour or grey, 15 % without ghosts, slant up to 0.22, keystone",
    "with outer digits leaning up to 0.08, box blur up to 1.6 px, glare, noise, JPEG quality 35–85).",
    "`sevenseg` is given the cell count (`digits`), as `digits` is given `digit_count`. One-digit crops",
    "are decoded by fitting a cell (box, slant, stroke widths) to the ink; see the README.",
    "",
    `Goals (issue 13): ≥ 99 % of synthetic displays exact: ${
      goal(rows.synth_sevenseg, 99)
    }; ≥ 98 % of`,
    `the real LCD digit crops: ${
      goal(rows.real_sevenseg, 98)
    }; \`digits\` loses nothing on meters: ${
      goal(rows.meter_digits_auto, (rows.meter_digits_ocr as { pct?: number })?.pct ?? 0)
    }.`,
    "Real crops `sevenseg` misses: two washed out by glare (segments missing; a person reads them",
    "from context), a 4 whose top touches the dark edge of the window, and a blank crop where the",
    "window's corner leaves one stroke (an error, not a digit).",
  ];
  return { title, markdown: lines.join("\n"), data: rows };
}
