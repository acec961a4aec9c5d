/**
 * Synthetic lamp photos for `light_button` (issue 13): lit lamps of several colours with a white-hot
 * core and a halo on the panel, and unlit glossy lamps (dark to bright saturated bodies) with one
 * or two specular glints of varying size and position, some under a neighbour's coloured glow; on
 * light, grey, dark and tinted panels; then blurred and JPEG-compressed with sharp. Deterministic
 * (seeded). Each sample is the crop and surroundings the worker would hand the engine.
 */
import sharp from "sharp";
import type { RgbaImage } from "../inference_modules/module_types.ts";
import type { Rect } from "../inference_modules/light_button/lamp_state.ts";
import { rng } from "./seeded_rng.ts";

/** One synthetic photo, cut as the pool cuts it. */
export interface SynthLamp {
  /** Short description (`lit red`, `glint green r=0.18`). */
  name: string;
  /** The answer. */
  expected: "on" | "off";
  /** The lamp's colour name (what a user would put in `params.color`). */
  color: string;
  /** The ROI crop (square around the lamp). */
  crop: RgbaImage;
  /** The ROI widened by half its size per side. */
  surround: RgbaImage;
  /** Where the crop sits inside `surround`. */
  surroundRect: Rect;
}

const COLORS: Record<string, [number, number, number]> = {
  red: [235, 30, 25],
  green: [40, 220, 70],
  blue: [40, 90, 240],
  amber: [250, 170, 20],
  yellow: [245, 230, 40],
  white: [240, 240, 235],
};
const PANELS: [number, number, number][] = [
  [225, 225, 220],
  [200, 205, 200],
  [170, 170, 175],
  [90, 90, 95],
  [35, 35, 40],
  [190, 200, 215],
  [215, 205, 180],
];

const SIZE = 128, ROI = 64, OFF = 32;

/** Renders one sample's full 128×128 RGB picture (float, before blur and JPEG). */
function render(
  rand: () => number,
  lit: boolean,
  rgb: [number, number, number],
): { px: Float32Array; label: string } {
  const px = new Float32Array(SIZE * SIZE * 3);
  const panel = PANELS[Math.floor(rand() * PANELS.length)];
  const gx = (rand() - 0.5) * 0.4, gy = (rand() - 0.5) * 0.4;
  const cx = SIZE / 2 + (rand() - 0.5) * 4, cy = SIZE / 2 + (rand() - 0.5) * 4;
  const R = ROI * (0.3 + rand() * 0.1); // lamp radius: 60-80 % of the ROI side as diameter
  const bezel = 2 + rand() * 3;
  const bezelV = rand() < 0.5 ? 30 + rand() * 30 : 150 + rand() * 60;
  const haloStrength = lit ? 0.35 + rand() * 0.65 : 0;
  const haloWidth = R * (0.4 + rand() * 0.8);
  // An unlit lamp may sit beside a lit one whose glow tints one side of the panel.
  const neighbour = !lit && rand() < 0.35;
  const nRgb = Object.values(COLORS)[Math.floor(rand() * 6)];
  const nAngle = rand() * Math.PI * 2;
  const nx = cx + Math.cos(nAngle) * ROI * 1.1, ny = cy + Math.sin(nAngle) * ROI * 1.1;
  // Unlit body: dark to bright saturated (a red cap can be as bright as the panel).
  const bodyGain = 0.35 + rand() * 0.55;
  const whiteCore = 0.15 + rand() * 0.45; // lit: radius share that clips to white
  const glints: { x: number; y: number; r: number }[] = [];
  let label = lit ? `lit halo=${haloStrength.toFixed(2)}` : "unlit";
  if (!lit) {
    const n = rand() < 0.7 ? 1 : 2;
    for (let k = 0; k < n; k++) {
      const gr = R * (0.06 + rand() * 0.16);
      const a = rand() * Math.PI * 2, d = rand() * R * 0.6;
      glints.push({ x: cx + Math.cos(a) * d, y: cy + Math.sin(a) * d, r: gr });
    }
    label = `glint r=${glints.map((g) => (g.r / R).toFixed(2)).join("+")}`;
    if (neighbour) label += " neighbour-glow";
  }
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const i = (y * SIZE + x) * 3;
      const shade = 1 + gx * (x / SIZE - 0.5) + gy * (y / SIZE - 0.5);
      let c = panel.map((v) => v * shade);
      const d = Math.hypot(x - cx, y - cy);
      if (lit && d > R) {
        const a = haloStrength * Math.exp(-(d - R) / haloWidth);
        c = c.map((v, k) => v + (rgb[k] - v * 0.3) * a);
      }
      if (neighbour) {
        const a = 0.8 * Math.exp(-Math.hypot(x - nx, y - ny) / (ROI * 0.5));
        c = c.map((v, k) => v + nRgb[k] * a);
      }
      if (d <= R + bezel && d > R) c = [bezelV, bezelV, bezelV];
      if (d <= R) {
        const rr = d / R;
        if (lit) {
          const white = Math.max(0, Math.min(1, (whiteCore - rr) / 0.2 + 0.5));
          // A lit cap drives its own colour's channel into the sensor's limit, fading at the rim.
          const edge = 1.3 - 0.35 * rr * rr;
          c = rgb.map((v) => (v * edge) * (1 - white) + 265 * white);
        } else {
          // Glossy dome: darker towards the rim.
          const dome = 1 - 0.35 * rr * rr;
          c = rgb.map((v) => v * bodyGain * dome);
          for (const g of glints) {
            const gd = Math.hypot(x - g.x, y - g.y) / g.r;
            const a = gd <= 1 ? 1 : Math.exp(-((gd - 1) * (gd - 1)) * 40);
            c = c.map((v) => v + (265 - v) * a);
          }
        }
      }
      px[i] = c[0];
      px[i + 1] = c[1];
      px[i + 2] = c[2];
    }
  }
  return { px, label };
}

function noise(rand: () => number, px: Float32Array, sigma: number): Uint8Array {
  const out = new Uint8Array(px.length);
  for (let i = 0; i < px.length; i++) {
    const n = (rand() + rand() + rand() - 1.5) * sigma;
    out[i] = Math.max(0, Math.min(255, Math.round(px[i] + n)));
  }
  return out;
}

/** Cuts the ROI and its surroundings out of a 128×128 RGBA picture, as the worker pool does. */
function cut(rgba: Uint8Array): { crop: RgbaImage; surround: RgbaImage; surroundRect: Rect } {
  const crop = new Uint8Array(ROI * ROI * 4);
  for (let y = 0; y < ROI; y++) {
    const start = ((y + OFF) * SIZE + OFF) * 4;
    crop.set(rgba.subarray(start, start + ROI * 4), y * ROI * 4);
  }
  return {
    crop: { width: ROI, height: ROI, data: crop },
    surround: { width: SIZE, height: SIZE, data: rgba },
    surroundRect: { x: OFF, y: OFF, width: ROI, height: ROI },
  };
}

/** `count` samples (half lit, half unlit with glints), reproducible from `seed`. */
export async function lampSynthSet(count = 120, seed = 13): Promise<SynthLamp[]> {
  const rand = rng(seed);
  const names = Object.keys(COLORS);
  const out: SynthLamp[] = [];
  for (let s = 0; s < count; s++) {
    const lit = s % 2 === 0;
    const color = names[Math.floor(s / 2) % names.length];
    const { px, label } = render(rand, lit, COLORS[color]);
    const blur = rand() * 1.5;
    const quality = 40 + Math.floor(rand() * 50);
    let img = sharp(noise(rand, px, 6), { raw: { width: SIZE, height: SIZE, channels: 3 } });
    if (blur >= 0.3) img = img.blur(blur);
    const jpeg = await img.jpeg({ quality }).toBuffer();
    const rgba = new Uint8Array(await sharp(jpeg).ensureAlpha().raw().toBuffer());
    out.push({
      name: `${color} ${label} blur=${blur.toFixed(1)} q=${quality}`,
      expected: lit ? "on" : "off",
      color,
      ...cut(rgba),
    });
  }
  return out;
}
