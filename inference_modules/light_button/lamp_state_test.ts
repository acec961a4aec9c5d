import assert from "node:assert/strict";
import { lampSynthSet } from "../../bench/lamp_synth.ts";
import { OLD_THRESHOLDS, oldLampState } from "../../bench/lamp_old_rule.ts";
import { lightButtonParams } from "./descriptor.ts";
import { colorHue, lampState, type LampThresholds } from "./lamp_state.ts";

const t = lightButtonParams.parse({}) as unknown as LampThresholds;
const withColor = (color: string) =>
  lightButtonParams.parse({ color }) as unknown as LampThresholds;

function solid(w: number, h: number, rgb: [number, number, number]) {
  const data = new Uint8Array(w * h * 4);
  for (let i = 0; i < w * h; i++) data.set([...rgb, 255], i * 4);
  return { width: w, height: h, data };
}

/** Paints a disc of `rgb` (soft edge of 1 px) into an RGBA image. */
function disc(
  img: { width: number; data: Uint8Array },
  cx: number,
  cy: number,
  r: number,
  rgb: [number, number, number],
) {
  const h = img.data.length / 4 / img.width;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < img.width; x++) {
      const a = Math.max(0, Math.min(1, r + 0.5 - Math.hypot(x + 0.5 - cx, y + 0.5 - cy)));
      if (!a) continue;
      const i = (y * img.width + x) * 4;
      for (let k = 0; k < 3; k++) img.data[i + k] = img.data[i + k] * (1 - a) + rgb[k] * a;
    }
  }
}

/** A 40×40 lamp ROI in an 80×80 grey panel: unlit dark red cap, optionally a glint, or lit. */
function lampScene(kind: "glint" | "lit-red" | "lit-green") {
  const surround = solid(80, 80, [200, 200, 198]);
  const cx = 40, cy = 40;
  if (kind === "glint") {
    disc(surround, cx, cy, 15, [150, 25, 20]);
    disc(surround, cx - 4, cy - 5, 4, [255, 255, 255]); // a specular glint, 7 % of the cap
  } else {
    const rgb: [number, number, number] = kind === "lit-red" ? [255, 60, 40] : [60, 255, 80];
    // Halo: the colour spills onto the panel and fades outwards.
    for (let r = 24; r > 15; r--) {
      const a = 0.6 * (1 - (r - 15) / 9);
      disc(surround, cx, cy, r, rgb.map((v) => 200 + (v - 200) * a) as typeof rgb);
    }
    disc(surround, cx, cy, 15, rgb);
    disc(surround, cx, cy, 8, [255, 250, 245]); // white-hot centre
  }
  const crop = { width: 40, height: 40, data: new Uint8Array(40 * 40 * 4) };
  for (let y = 0; y < 40; y++) {
    crop.data.set(
      surround.data.subarray(((y + 20) * 80 + 20) * 4, ((y + 20) * 80 + 60) * 4),
      y * 160,
    );
  }
  return { crop, ring: { surround, surroundRect: { x: 20, y: 20, width: 40, height: 40 } } };
}

Deno.test("a grey box as bright as its surroundings is off (a plain mean would say on)", () => {
  const crop = solid(40, 40, [200, 200, 200]);
  const surround = solid(80, 80, [205, 205, 205]);
  const ring = { surround, surroundRect: { x: 20, y: 20, width: 40, height: 40 } };
  const m = lampState(crop, { ring, thresholds: t });
  assert.equal(m.state, "off");
  assert.equal(m.coreShare, 0);
});

Deno.test("a clipped white core is on, and a coloured core outshining the panel is on", () => {
  assert.equal(lampState(solid(40, 40, [255, 255, 255]), { thresholds: t }).state, "on");
  const crop = solid(40, 40, [60, 240, 20]);
  const surround = solid(80, 80, [190, 190, 190]);
  const ring = { surround, surroundRect: { x: 20, y: 20, width: 40, height: 40 } };
  const m = lampState(crop, { ring, thresholds: t });
  assert.equal(m.state, "on");
  assert.equal(m.coreShare, 1);
  assert.equal(m.coreP90, 240);
  assert.equal(m.ringP90, 190);
});

Deno.test("a glint on an unlit glossy lamp is off, with and without params.color (the old rule said on)", () => {
  const { crop, ring } = lampScene("glint");
  assert.equal(oldLampState(crop, { ring, thresholds: OLD_THRESHOLDS }).state, "on");
  for (const th of [t, withColor("red")]) {
    const m = lampState(crop, { ring, thresholds: th });
    assert.equal(m.state, "off", JSON.stringify(m));
    assert.ok(m.coreShare > 0 && m.coreShare < 0.1, `glint core share ${m.coreShare}`);
  }
});

Deno.test("a lit lamp with a halo is on, with and without params.color; a lit lamp of another colour than params.color is off", () => {
  for (const [kind, color] of [["lit-red", "red"], ["lit-green", "#33ff55"]] as const) {
    const { crop, ring } = lampScene(kind);
    for (const th of [t, withColor(color)]) {
      const m = lampState(crop, { ring, thresholds: th });
      assert.equal(m.state, "on", `${kind} ${th.color}: ${JSON.stringify(m)}`);
      assert.ok(m.coreShare >= 0.2 && m.confidence > 0.9);
    }
  }
  const { crop, ring } = lampScene("lit-green");
  const m = lampState(crop, { ring, thresholds: withColor("red") });
  assert.equal(m.state, "off", JSON.stringify(m));
  assert.ok(m.colorShare! < 0.1);
});

Deno.test("params.color: names and #rrggbb are accepted, anything else is refused naming the value", () => {
  assert.equal(colorHue("Green"), 120);
  assert.equal(colorHue("#ff0000"), 0);
  assert.equal(colorHue("#f0f0f0"), -1);
  assert.equal(colorHue("chartreuse"), undefined);
  const bad = lightButtonParams.safeParse({ color: "chartreuse" });
  assert.equal(bad.success, false);
  assert.match(JSON.stringify(bad.error?.issues), /chartreuse.*is not a colour/);
  assert.deepEqual(bad.error?.issues[0].path, ["color"]);
  assert.throws(
    () => lampState(solid(8, 8, [0, 0, 0]), { thresholds: { ...t, color: "#12" } }),
    /params.color: "#12"/,
  );
});

Deno.test("synthetic glint set (bench/lamp_synth.ts, 120 photos): 100 % with and without params.color", async () => {
  const set = await lampSynthSet(120, 13);
  let right = 0, rightColor = 0, rightOld = 0;
  const wrong: string[] = [];
  for (const s of set) {
    const ring = { surround: s.surround, surroundRect: s.surroundRect };
    const plain = lampState(s.crop, { ring, thresholds: t }).state;
    const hinted = lampState(s.crop, { ring, thresholds: withColor(s.color) }).state;
    if (plain === s.expected) right++;
    else wrong.push(`${s.name}: ${plain}`);
    if (hinted === s.expected) rightColor++;
    else wrong.push(`${s.name} color=${s.color}: ${hinted}`);
    if (oldLampState(s.crop, { ring, thresholds: OLD_THRESHOLDS }).state === s.expected) rightOld++;
  }
  assert.deepEqual(wrong, []);
  assert.equal(right, 120);
  assert.equal(rightColor, 120);
  assert.ok(rightOld < 120, "the set holds glints the old rule reads as on");
});
