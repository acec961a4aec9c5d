/**
 * The `light_button` rule before issue 13, kept only so the bench can compare it with the current
 * one on the same images: "on" when 10 % of the central 40 % clips, or when the core's p90 of V
 * outshines the ring's p90 by 15. A glint on an unlit glossy lamp clips, so it reads "on".
 */
import type { RgbaImage } from "../inference_modules/module_types.ts";

/** Thresholds (see the descriptor's params for their meaning and defaults). */
export interface OldLampThresholds {
  /** Clipped channel level. */
  clipLevel: number;
  /** Share of the core that must clip. */
  minClipShare: number;
  /** Core p90 V over ring p90 V needed. */
  minExcess: number;
  /** Core p90 V needed for the excess rule. */
  minCoreLevel: number;
}

/** Measurements behind a decision (reported as the result's `data`). */
export interface OldLampMeasure {
  /** "on" or "off". */
  state: "on" | "off";
  /** 0.5..1, how far the deciding feature is from its threshold. */
  confidence: number;
  /** Share of core pixels whose brightest channel clips. */
  clipShare: number;
  /** p90 of V (brightest channel) over the core. */
  coreP90: number;
  /** p90 of V over the ring around the ROI. */
  ringP90: number;
}

/** A rectangle inside an image. */
export interface Rect {
  /** Left. */
  x: number;
  /** Top. */
  y: number;
  /** Width. */
  width: number;
  /** Height. */
  height: number;
}

function percentile(values: Uint8Array, count: number, p: number): number {
  if (count === 0) return NaN;
  const hist = new Uint32Array(256);
  for (let i = 0; i < count; i++) hist[values[i]]++;
  const rank = Math.min(count - 1, Math.floor((p / 100) * count));
  let seen = 0;
  for (let v = 0; v < 256; v++) {
    seen += hist[v];
    if (seen > rank) return v;
  }
  return 255;
}

/** Brightest-channel values of the pixels of `img` inside `inner` (or outside it, for the ring). */
function brightest(img: RgbaImage, inner: Rect, inside: boolean): { v: Uint8Array; n: number } {
  const v = new Uint8Array(img.width * img.height);
  let n = 0;
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      const isIn = x >= inner.x && x < inner.x + inner.width && y >= inner.y &&
        y < inner.y + inner.height;
      if (isIn !== inside) continue;
      const i = (y * img.width + x) * 4;
      v[n++] = Math.max(img.data[i], img.data[i + 1], img.data[i + 2]);
    }
  }
  return { v, n };
}

/** The central 40 % of the crop: the lamp's core, free of the ROI's corners and bezel. */
export function coreRect(crop: RgbaImage): Rect {
  const x = Math.floor(crop.width * 0.3), y = Math.floor(crop.height * 0.3);
  return {
    x,
    y,
    width: Math.max(1, Math.ceil(crop.width * 0.7) - x),
    height: Math.max(1, Math.ceil(crop.height * 0.7) - y),
  };
}

/** Decides on/off from the crop's core and the ring of `surround` outside `surroundRect`. */
export function oldLampState(
  crop: RgbaImage,
  opts: { ring?: { surround: RgbaImage; surroundRect: Rect }; thresholds: OldLampThresholds },
): OldLampMeasure {
  const { ring, thresholds: t } = opts;
  const core = brightest(crop, coreRect(crop), true);
  let clipped = 0;
  for (let i = 0; i < core.n; i++) if (core.v[i] >= t.clipLevel) clipped++;
  const clipShare = core.n ? clipped / core.n : 0;
  const coreP90 = percentile(core.v, core.n, 90);
  let ringP90 = NaN;
  if (ring) {
    const r = brightest(ring.surround, ring.surroundRect, false);
    ringP90 = percentile(r.v, r.n, 90);
  }
  const clipScore = clipShare / Math.max(1e-6, t.minClipShare);
  const excess = coreP90 - ringP90;
  const excessScore = Number.isFinite(excess) && coreP90 >= t.minCoreLevel
    ? excess / Math.max(1e-6, t.minExcess)
    : 0;
  const score = Math.max(clipScore, excessScore);
  const state = score >= 1 ? "on" : "off";
  const confidence = Math.min(1, 0.5 + Math.abs(score - 1) / 2);
  return { state, confidence, clipShare, coreP90, ringP90 };
}

/** The old defaults. */
export const OLD_THRESHOLDS: OldLampThresholds = {
  clipLevel: 250,
  minClipShare: 0.1,
  minExcess: 15,
  minCoreLevel: 200,
};
