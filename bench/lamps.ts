/**
 * `light_button` before and after issue 13 on the same images: the old rule (clipped share of the
 * central 40 %, or its p90 outshining the ring) against the core-and-halo rule, with and without
 * `params.color`, on the real lamp fixtures (25 panel lamps + 2 lit HMI buttons) and on the
 * synthetic glint set of `lamp_synth.ts` (lit lamps with halos, unlit glossy lamps with glints).
 */
import { loadCv } from "../inference_modules/cv_loader.ts";
import { lightButtonParams } from "../inference_modules/light_button/descriptor.ts";
import { lampState, type LampThresholds } from "../inference_modules/light_button/lamp_state.ts";
import type { RgbaImage } from "../inference_modules/module_types.ts";
import { cropRoi, frameToMat } from "../inference_modules/roi_crop.ts";
import { validateRoiPolygon } from "../inference_modules/roi_polygon.ts";
import { fixturesPresent, loadFixture } from "../inference_modules/testing/fixtures.ts";
import { OLD_THRESHOLDS, oldLampState } from "./lamp_old_rule.ts";
import { lampSynthSet } from "./lamp_synth.ts";
import type { BenchSection } from "./section.ts";
import type { Rect } from "../inference_modules/light_button/lamp_state.ts";

const FIXTURES = [
  ["lamps/led_button1.png", "lamps/led_button1.rois.json"],
  ["lamps/led_button2.png", "lamps/led_button2.rois.json"],
  ["hmi_screen/screen_ocr.jpg", "hmi_screen/screen_ocr.rois.json"],
] as const;

/** The lit colour of each fixture lamp (by image and ROI id), as a user would give `params.color`. */
export function fixtureLampColor(image: string, id: string): string {
  if (image.startsWith("hmi_screen")) return id === "13" ? "green" : "red";
  if (image.endsWith("led_button2.png")) return id === "2" || id === "4" ? "green" : "red";
  if (id.startsWith("on")) return "green";
  if (id.startsWith("start")) return "cyan";
  return "red";
}

interface Sample {
  name: string;
  expected: string;
  color: string;
  kind: "lit" | "glint" | "plain off";
  crop: RgbaImage;
  surround: RgbaImage;
  surroundRect: Rect;
}

async function fixtureSamples(): Promise<Sample[]> {
  const { cv } = await loadCv();
  const out: Sample[] = [];
  for (const [image, rois] of FIXTURES) {
    const f = await loadFixture(image, rois);
    const mat = frameToMat(cv, f.frame);
    try {
      for (const roi of f.rois.filter((r) => r.module === "light_button")) {
        const c = cropRoi(cv, mat, {
          quad: validateRoiPolygon(roi.id, roi.points, f.frame),
          frame: f.frame,
          surround: true,
        });
        out.push({
          name: `${image} ${roi.id}`,
          expected: roi.expected,
          color: fixtureLampColor(image, roi.id),
          kind: roi.expected === "on" ? "lit" : "plain off",
          crop: c.crop,
          surround: c.surround!,
          surroundRect: c.surroundRect!,
        });
      }
    } finally {
      mat.delete();
    }
  }
  return out;
}

type RuleName = "old rule" | "core + halo" | "core + halo, params.color";

function score(samples: Sample[]) {
  const rules: Record<RuleName, (s: Sample) => string> = {
    "old rule": (s) => oldLampState(s.crop, { ring: s, thresholds: OLD_THRESHOLDS }).state,
    "core + halo": (s) =>
      lampState(s.crop, {
        ring: s,
        thresholds: lightButtonParams.parse({}) as unknown as LampThresholds,
      }).state,
    "core + halo, params.color": (s) =>
      lampState(s.crop, {
        ring: s,
        thresholds: lightButtonParams.parse({ color: s.color }) as unknown as LampThresholds,
      }).state,
  };
  return Object.entries(rules).map(([rule, fn]) => {
    samples.map(fn); // warm the JIT, so the timing is per warm read
    const t0 = performance.now();
    const got = samples.map(fn);
    const ms = (performance.now() - t0) / samples.length;
    const count = (k: Sample["kind"]) => {
      const idx = samples.map((s, i) => [s, i] as const).filter(([s]) => s.kind === k);
      return { right: idx.filter(([s, i]) => got[i] === s.expected).length, total: idx.length };
    };
    return {
      rule,
      right: got.filter((g, i) => g === samples[i].expected).length,
      total: samples.length,
      lit: count("lit"),
      glint: count("glint"),
      plainOff: count("plain off"),
      msPerLamp: ms,
      wrong: samples.filter((s, i) => got[i] !== s.expected).map((s) => s.name).slice(0, 8),
    };
  });
}

/** Runs the section (a few seconds). */
export async function run(): Promise<BenchSection> {
  const title = "Lamps: light_button core + halo rule vs the old clip rule (issue 13)";
  const synth = (await lampSynthSet(480, 13)).map((s): Sample => ({
    ...s,
    kind: s.expected === "on" ? "lit" : "glint",
  }));
  const real = fixturesPresent ? await fixtureSamples() : [];
  const data = { real: fixturesPresent ? score(real) : "skipped", synthetic: score(synth) };
  const pct = (r: number, t: number) => t ? `${r}/${t} (${(100 * r / t).toFixed(1)} %)` : "–";
  const table = (rows: ReturnType<typeof score>, cols: "real" | "synth") => [
    cols === "real"
      ? "| rule | all | lit | off | µs per lamp (warm) |"
      : "| rule | all | lit (halo) | unlit with glints |",
    cols === "real" ? "|---|---|---|---|---|" : "|---|---|---|---|",
    ...rows.map((r) =>
      cols === "real"
        ? `| ${r.rule} | ${pct(r.right, r.total)} | ${pct(r.lit.right, r.lit.total)} | ${
          pct(r.plainOff.right, r.plainOff.total)
        } | ${(r.msPerLamp * 1000).toFixed(0)} |`
        : `| ${r.rule} | ${pct(r.right, r.total)} | ${pct(r.lit.right, r.lit.total)} | ${
          pct(r.glint.right, r.glint.total)
        } |`
    ),
  ];
  const lines = [
    "Both rules on the same crops (the ROI and its surroundings, cut as the worker pool cuts them). " +
    "`params.color` gives each lamp's lit colour. Synthetic: `bench/lamp_synth.ts`, 480 photos " +
    "(seed 13): lit red/green/blue/amber/yellow/white lamps with a white-hot centre and a halo of " +
    "varying strength; unlit glossy caps (dark to bright) with one or two glints of 6–22 % of the " +
    "cap's radius anywhere in its inner 60 %, a third beside a neighbour's coloured glow; seven " +
    "panel colours; Gaussian blur 0–1.5 px, JPEG quality 40–89 (sharp).",
    "",
    fixturesPresent
      ? "**Real fixtures** (`lamps/` 25 lamps + 2 lit HMI buttons):"
      : "Real fixtures: skipped (../shared/fixtures is absent).",
    "",
    ...(fixturesPresent ? [...table(data.real as ReturnType<typeof score>, "real"), ""] : []),
    "**Synthetic glint set:**",
    "",
    ...table(data.synthetic, "synth"),
  ];
  return { title, markdown: lines.join("\n"), data };
}

if (import.meta.main) {
  const section = await run();
  console.log(`## ${section.title}\n\n${section.markdown}`);
}
