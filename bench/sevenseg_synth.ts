/**
 * Synthetic seven-segment displays for the `sevenseg` tests and bench: LCD (dark on light) and
 * LED/VFD (light on dark) panels with ghost segments (unlit segments shown faintly, in a dimmer
 * shade or a grey of their own), colours, italic slant, keystone perspective, blur, glare, noise
 * and JPEG compression. Deterministic for a given seed.
 */
import sharp from "sharp";
import type { RgbaImage } from "../inference_modules/module_types.ts";
import { SEGMENTS } from "../actors/frame_sources/seven_segment.ts";
import { rng } from "./seeded_rng.ts";

type Rgb = [number, number, number];

/** One display to draw. */
export interface SynthSpec {
  /** Characters per cell, right-aligned (" " = unlit cell, "-" = minus). */
  cells: string[];
  /** Index of the cell followed by a lit decimal point, or -1. */
  point: number;
  polarity: "dark_on_light" | "light_on_dark";
  bg: Rgb;
  lit: Rgb;
  /** Unlit segment colour (a ghost), or `bg` for none. */
  ghost: Rgb;
  /** Horizontal shift per pixel of height (italic). */
  slant: number;
  /** Keystone: the top edge is narrower by this fraction. */
  keystone: number;
  blur: number;
  /** 0..1 strength of a white glare blob. */
  glare: number;
  noise: number;
  /** JPEG quality, or 0 for none. */
  jpeg: number;
  width: number;
  height: number;
}

/** A rendered display and the text a person reads in it. */
export interface SynthDisplay {
  image: RgbaImage & { data: Uint8Array };
  text: string;
  spec: SynthSpec;
}

const mix = (a: Rgb, b: Rgb, k: number): Rgb =>
  [0, 1, 2].map((i) => a[i] + (b[i] - a[i]) * k) as Rgb;

/** A random display spec (seeded): about half LCD, half LED/VFD, most with ghost segments. */
export function randomSpec(r: () => number): SynthSpec {
  const n = 3 + Math.floor(r() * 4);
  const digits = Math.max(1, n - Math.floor(r() * 2));
  const negative = r() < 0.2 && digits < n;
  let s = "";
  for (let i = 0; i < digits; i++) {
    s += String(i === 0 && digits > 1 ? 1 + Math.floor(r() * 9) : Math.floor(r() * 10));
  }
  const chars = (negative ? "-" + s : s).padStart(n, " ").split("");
  const point = r() < 0.4 && digits > 1 ? n - 2 - Math.floor(r() * (digits - 1)) : -1;
  const lcd = r() < 0.5;
  let bg: Rgb, lit: Rgb, ghost: Rgb;
  if (lcd) {
    const b = 170 + r() * 70;
    bg = [b * (0.9 + r() * 0.1), b, b * (0.8 + r() * 0.2)];
    const d = 15 + r() * 50;
    lit = [d, d + r() * 15, d + r() * 20];
    ghost = mix(bg, lit, 0.08 + r() * 0.2);
  } else {
    const palette: Rgb[] = [[255, 40, 30], [60, 255, 90], [80, 230, 255], [255, 170, 40], [
      240,
      240,
      255,
    ]];
    lit = palette[Math.floor(r() * palette.length)].map((v) => v * (0.75 + r() * 0.25)) as Rgb;
    const b = 5 + r() * 35;
    bg = [b, b, b * (1 + r() * 0.3)];
    ghost = r() < 0.5 ? mix(bg, lit, 0.1 + r() * 0.2) : mix(bg, [120, 120, 120], 0.15 + r() * 0.25);
  }
  if (r() < 0.15) ghost = bg; // some displays show no ghost at all
  const height = 48 + Math.floor(r() * 60);
  return {
    cells: chars,
    point: chars[point] === " " || chars[point] === "-" ? -1 : point,
    polarity: lcd ? "dark_on_light" : "light_on_dark",
    bg,
    lit,
    ghost,
    slant: r() < 0.5 ? 0.05 + r() * 0.17 : r() * 0.04,
    keystone: r() < 0.4 ? r() : 0, // scaled below: the outer digits lean at most 0.08
    blur: r() * 1.6,
    glare: r() < 0.4 ? 0.15 + r() * 0.35 : 0,
    noise: r() * 8,
    jpeg: r() < 0.7 ? 35 + Math.floor(r() * 50) : 0,
    width: 0,
    height,
  };
}

/** The text a person reads: cells joined, leading blanks dropped, the point after its cell. */
export function expectedText(spec: SynthSpec): string {
  return spec.cells.map((c, i) => c + (i === spec.point ? "." : "")).join("").trim();
}

/** Draws `spec` (its width follows from the cell count) and applies the degradations. */
export async function renderDisplay(spec: SynthSpec, r: () => number): Promise<SynthDisplay> {
  const H = spec.height;
  const dh = H * 0.7, dw = dh * 0.55, t = dh * 0.14, gapX = dw * 0.35, gap = Math.max(0.8, t / 6);
  const margin = H * 0.22 + Math.abs(spec.slant) * dh;
  const W = Math.round(margin * 2 + spec.cells.length * dw + (spec.cells.length - 1) * gapX);
  spec.width = W;
  if (spec.keystone > 1e-3 && spec.keystone <= 1) spec.keystone = (spec.keystone * 0.16 * H) / W;
  const top = (H - dh) / 2;
  const rects = (cx: number): Record<string, [number, number, number, number]> => ({
    a: [cx + t * 0.6 + gap, top, dw - 1.2 * t - 2 * gap, t],
    g: [cx + t * 0.6 + gap, top + (dh - t) / 2, dw - 1.2 * t - 2 * gap, t],
    d: [cx + t * 0.6 + gap, top + dh - t, dw - 1.2 * t - 2 * gap, t],
    f: [cx, top + t / 2 + gap, t, dh / 2 - t / 2 - 2 * gap],
    b: [cx + dw - t, top + t / 2 + gap, t, dh / 2 - t / 2 - 2 * gap],
    e: [cx, top + dh / 2 + gap, t, dh / 2 - t / 2 - 2 * gap],
    c: [cx + dw - t, top + dh / 2 + gap, t, dh / 2 - t / 2 - 2 * gap],
  });
  type Shape = { x: number; y: number; w: number; h: number; on: boolean };
  const shapes: Shape[] = [];
  spec.cells.forEach((ch, i) => {
    const cx = margin + i * (dw + gapX);
    const lit = SEGMENTS[ch];
    for (const [s, [x, y, w, h]] of Object.entries(rects(cx))) {
      shapes.push({ x, y, w, h, on: lit.includes(s) });
    }
    shapes.push({ x: cx + dw + gapX * 0.25, y: top + dh - t, w: t, h: t, on: i === spec.point });
  });
  const rgb = new Float32Array(W * H * 3);
  const ss = 3;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const acc: Rgb = [0, 0, 0];
      for (let sy = 0; sy < ss; sy++) {
        for (let sx = 0; sx < ss; sx++) {
          const py = y + (sy + 0.5) / ss;
          let px = x + (sx + 0.5) / ss;
          // Keystone: rows nearer the top are squeezed towards the middle.
          const k = 1 - spec.keystone * (1 - py / H);
          px = W / 2 + (px - W / 2) / k;
          px -= spec.slant * (H / 2 - py); // italic: the top leans right
          let c = spec.bg;
          for (const s of shapes) {
            if (px >= s.x && px < s.x + s.w && py >= s.y && py < s.y + s.h) {
              c = s.on ? spec.lit : spec.ghost;
              break;
            }
          }
          acc[0] += c[0];
          acc[1] += c[1];
          acc[2] += c[2];
        }
      }
      const o = (y * W + x) * 3;
      for (let i = 0; i < 3; i++) rgb[o + i] = acc[i] / (ss * ss);
    }
  }
  const img = boxBlur(rgb, W, H, spec.blur);
  if (spec.glare > 0) {
    const gx = r() * W, gy = r() * H, rad = H * (0.5 + r());
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const k = spec.glare * Math.exp(-((x - gx) ** 2 + (y - gy) ** 2) / (2 * rad * rad));
        for (let i = 0; i < 3; i++) {
          img[(y * W + x) * 3 + i] += (255 - img[(y * W + x) * 3 + i]) * k;
        }
      }
    }
  }
  const data = new Uint8Array(W * H * 4);
  for (let i = 0; i < W * H; i++) {
    for (let c = 0; c < 3; c++) {
      const n = spec.noise * (r() + r() + r() - 1.5);
      data[i * 4 + c] = Math.max(0, Math.min(255, Math.round(img[i * 3 + c] + n)));
    }
    data[i * 4 + 3] = 255;
  }
  let image = { width: W, height: H, data };
  if (spec.jpeg > 0) {
    const jpg = await sharp(data, { raw: { width: W, height: H, channels: 4 } }).jpeg({
      quality: spec.jpeg,
    })
      .toBuffer();
    const dec = await sharp(jpg).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    image = { width: dec.info.width, height: dec.info.height, data: new Uint8Array(dec.data) };
  }
  return { image, text: expectedText(spec), spec };
}

function boxBlur(src: Float32Array, w: number, h: number, radius: number): Float32Array {
  const r = Math.round(radius);
  if (r < 1) return src;
  const tmp = new Float32Array(src.length), out = new Float32Array(src.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < 3; c++) {
        let s = 0, n = 0;
        for (let k = Math.max(0, x - r); k <= Math.min(w - 1, x + r); k++) {
          (s += src[(y * w + k) * 3 + c]), n++;
        }
        tmp[(y * w + x) * 3 + c] = s / n;
      }
    }
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < 3; c++) {
        let s = 0, n = 0;
        for (let k = Math.max(0, y - r); k <= Math.min(h - 1, y + r); k++) {
          (s += tmp[(k * w + x) * 3 + c]), n++;
        }
        out[(y * w + x) * 3 + c] = s / n;
      }
    }
  }
  return out;
}

/** `count` displays from `seed`: the synthetic set of the tests and the bench. */
export async function synthSet(count: number, seed = 13): Promise<SynthDisplay[]> {
  const r = rng(seed);
  const out: SynthDisplay[] = [];
  for (let i = 0; i < count; i++) out.push(await renderDisplay(randomSpec(r), r));
  return out;
}
