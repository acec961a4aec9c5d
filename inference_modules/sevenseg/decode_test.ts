import assert from "node:assert/strict";
import { renderDisplay, synthSet, type SynthSpec } from "../../bench/sevenseg_synth.ts";
import { rng } from "../../bench/seeded_rng.ts";
import { decodeImage, fixturesPresent, listLabelled } from "../onnx/fixture_images.ts";
import { decodeSevenSeg } from "./decode.ts";
import { createEngine } from "./engine.ts";

const roi = { roiId: "t" };

/** A clean spec to vary one thing at a time. */
function spec(cells: string, over: Partial<SynthSpec> = {}): SynthSpec {
  return {
    cells: cells.split(""),
    point: -1,
    polarity: "dark_on_light",
    bg: [200, 210, 190],
    lit: [30, 35, 40],
    ghost: [170, 178, 162],
    slant: 0,
    keystone: 0,
    blur: 0,
    glare: 0,
    noise: 0,
    jpeg: 0,
    width: 0,
    height: 64,
    ...over,
  };
}

const draw = async (s: SynthSpec) => (await renderDisplay(s, rng(1))).image;

Deno.test("sevenseg finds one cell per digit, unlit leading cells included, and reads them", async () => {
  const r = decodeSevenSeg(await draw(spec("  4071")));
  assert.equal(r.error, undefined);
  assert.equal(r.digits.length, 6, "ghost 8s of the two unlit cells are cells too");
  assert.deepEqual(r.digits.map((d) => d.char), ["", "", "4", "0", "7", "1"]);
  assert.equal(r.text, "4071");
  for (const d of r.digits) assert.ok(d.confidence > 0.5, JSON.stringify(d));
});

Deno.test("sevenseg counts strong ghost segments as off (LCD, dark on light)", async () => {
  // Ghosts at 30 % of the lit contrast: every cell shows a faint 8.
  const img = await draw(spec("1234", { ghost: [150, 157, 142] }));
  const r = decodeSevenSeg(img);
  assert.equal(r.text, "1234");
  assert.equal(r.polarity, "dark_on_light");
  assert.ok(r.ghostRatio > 0.1, `ghost ratio ${r.ghostRatio}`);
  assert.equal(r.digits[0].pattern, "0110000" + r.digits[0].pattern[7]);
});

Deno.test("sevenseg reads light-on-dark LED and VFD displays with coloured and grey ghosts", async () => {
  const led = decodeSevenSeg(
    await draw(spec("-527", {
      polarity: "light_on_dark",
      bg: [15, 12, 12],
      lit: [250, 40, 30],
      ghost: [60, 20, 18],
    })),
  );
  assert.equal(led.text, "-527");
  assert.equal(led.polarity, "light_on_dark");
  const vfd = decodeSevenSeg(
    await draw(spec("9608", {
      polarity: "light_on_dark",
      bg: [20, 22, 25],
      lit: [80, 240, 220],
      ghost: [70, 72, 75],
      point: 1,
      slant: 0.15,
    })),
  );
  assert.equal(vfd.text, "96.08");
  assert.ok(Math.abs(vfd.slant - 0.15) <= 0.05, `slant ${vfd.slant}`);
});

Deno.test("sevenseg reports an invalid segment pattern instead of guessing", async () => {
  const engine = await createEngine({ cv: undefined, onnxBackend: "auto", dataDir: ".", env: {} });
  const bad = await draw(spec("4", { ghost: [200, 210, 190] }));
  // Erase segment b of the 4: f, g and c lit make no digit.
  const { width, height, data } = bad;
  for (let y = 0; y < height * 0.47; y++) {
    for (let x = Math.round(width * 0.55); x < width; x++) {
      data.set([200, 210, 190], (y * width + x) * 4);
    }
  }
  await assert.rejects(
    () => engine.read(bad, { digits: 1 }, roi),
    (e: Error) => /^segment pattern 0010011[01x] is not a digit$/.test(e.message),
  );
  // An unlit cell between digits is a blank, not an error.
  const r = decodeSevenSeg(await draw(spec("17 8")), { digits: 4 });
  assert.equal(r.text, "178");
});

Deno.test("sevenseg engine answers text, value and per-digit confidence; an unlit display is empty", async () => {
  const engine = await createEngine({ cv: undefined, onnxBackend: "auto", dataDir: ".", env: {} });
  const out = await engine.read(await draw(spec(" 125", { point: 2 })), {}, roi);
  assert.equal(out.text, "12.5");
  assert.equal(out.value, 12.5);
  const digits = (out.data as { digits: { confidence: number }[] }).digits;
  assert.equal(digits.length, 4);
  assert.ok(digits.every((d) => d.confidence >= 0 && d.confidence <= 1));
  const blank = await engine.read(await draw(spec("    ", { ghost: [200, 210, 190] })), {}, roi);
  assert.equal(blank.text, "");
  assert.equal(blank.value, undefined);
  const one = await draw(spec("1"));
  await assert.rejects(() => engine.read(one, { digits: 0 }, roi), /params\.digits/);
});

Deno.test("sevenseg reads one-digit crops: every digit, blank, LCD and LED, with the window's edges in the crop", async () => {
  const looks: Partial<SynthSpec>[] = [
    { blur: 1 },
    { height: 40 },
    { height: 96, slant: 0.15 },
    { ghost: [150, 160, 140] },
    { polarity: "light_on_dark", bg: [20, 20, 20], lit: [250, 60, 40], ghost: [60, 25, 20] },
  ];
  const wrong: string[] = [];
  for (const look of looks) {
    for (const ch of "0123456789 ") {
      const img = await draw(spec(ch, look));
      const r = decodeSevenSeg(img, { digits: 1 });
      if (r.error || r.text !== ch.trim()) {
        wrong.push(`${JSON.stringify(look)} ${ch}→${r.text || r.error}`);
      }
    }
  }
  // The dark edge of an LCD's window along the top and bottom of the crop: no a or d segment
  // (a 4 is no 9, a 1 no 7, an unlit display no error).
  for (const ch of "4179 ") {
    const img = await draw(spec(ch, { blur: 1 }));
    const { width: W, height: H, data } = img;
    for (const y of [0, 1, 2, 3, H - 3, H - 2, H - 1]) {
      for (let x = 0; x < W; x++) data.set([60, 60, 60], (y * W + x) * 4);
    }
    const r = decodeSevenSeg(img, { digits: 1 });
    if (r.error || r.text !== ch.trim()) wrong.push(`window edges ${ch}→${r.text || r.error}`);
  }
  assert.deepEqual(wrong, []);
});

// Goal (issue 13): 99 %; reached on the bench set (200 displays, seed 13) and held here.
Deno.test("sevenseg reads at least 99 % of a synthetic set (ghosts, colours, slant, blur, glare, JPEG)", async () => {
  const set = await synthSet(100, 7);
  const wrong: string[] = [];
  for (const s of set) {
    const r = decodeSevenSeg(s.image, { digits: s.spec.cells.length });
    if (r.error || r.text !== s.text) wrong.push(`${s.text} → ${r.text || r.error}`);
  }
  assert.ok(
    wrong.length <= set.length * 0.01,
    `${wrong.length}/${set.length} wrong: ${wrong.join(", ")}`,
  );
});

// Goal (issue 13): 98 %. Measured: 216/220 (bench/RESULTS.md). The four left: two washed out by
// glare so that segments are missing (a person reads them from context), the dark edge of the
// window fused to a 4's top, and a blank crop whose window corner leaves one stroke (an error).
Deno.test({
  name: "sevenseg reads at least 98 % of the 220 real LCD digit crops",
  ignore: !fixturesPresent("sevenseg fixture test"),
  async fn() {
    const files = listLabelled("sevenseg");
    const wrong: string[] = [];
    for (const f of files) {
      const r = decodeSevenSeg(await decodeImage(f.path), { digits: 1 });
      const want = f.label === "blank" ? "" : f.label;
      if (r.error || r.text !== want) wrong.push(`${f.label}:${r.text || r.error}`);
    }
    const ok = files.length - wrong.length;
    assert.ok(ok / files.length >= 0.98, `${ok}/${files.length}; wrong: ${wrong.join(", ")}`);
  },
});
