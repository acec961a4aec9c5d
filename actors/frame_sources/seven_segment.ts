/** Seven-segment digits, the way panel meters show numbers: what the `digits` module is built to read. */

import type { Painter, Rgb } from "./raster.ts";

/** Lit segments per character: a top, b top-right, c bottom-right, d bottom, e bottom-left, f top-left, g middle. */
export const SEGMENTS: Readonly<Record<string, string>> = {
  "0": "abcdef",
  "1": "bc",
  "2": "abdeg",
  "3": "abcdg",
  "4": "bcfg",
  "5": "acdfg",
  "6": "acdefg",
  "7": "abc",
  "8": "abcdefg",
  "9": "abcdfg",
  "-": "g",
  " ": "",
};

/** Digit geometry in design pixels. */
export interface SevenSegmentStyle {
  /** Digit height. */
  height: number;
  /** Digit width. */
  width: number;
  /** Segment thickness. */
  thickness: number;
  /** Space between characters. */
  spacing: number;
  /** Lit segment colour. */
  color: Rgb;
}

/** Width in design pixels of `text` drawn with `style` ('.' is narrow, as on real displays). */
export function sevenSegmentWidth(text: string, style: SevenSegmentStyle): number {
  let w = 0;
  for (const ch of text) w += (ch === "." ? style.thickness : style.width) + style.spacing;
  return Math.max(0, w - style.spacing);
}

/** Draws `text` (digits, '-', '.', ' ') with its top-left corner at (x, y). Unknown characters throw. */
export function drawSevenSegment(
  painter: Painter,
  text: string,
  at: { x: number; y: number; style: SevenSegmentStyle },
): void {
  const { style } = at;
  let x = at.x;
  for (const ch of text) {
    if (ch === ".") {
      const t = style.thickness;
      painter.fillRect(x, at.y + style.height - t, { w: t, h: t, color: style.color });
      x += t + style.spacing;
      continue;
    }
    const segments = SEGMENTS[ch];
    if (segments === undefined) throw new RangeError(`No seven-segment glyph for "${ch}"`);
    for (const s of segments) drawSegment(painter, s, { x, y: at.y, style });
    x += style.width + style.spacing;
  }
}

function drawSegment(
  painter: Painter,
  segment: string,
  at: { x: number; y: number; style: SevenSegmentStyle },
): void {
  const { x, y, style } = at;
  const { width: w, height: h, thickness: t, color } = style;
  const gap = Math.max(1, Math.round(t / 6)); // the thin seams that make it read as a segment display
  const mid = y + (h - t) / 2;
  const vh = h / 2 - t / 2 - 2 * gap; // each vertical runs from mid-row of a horizontal to the centre line
  const rects: Record<string, [number, number, number, number]> = {
    a: [x + t + gap, y, w - 2 * t - 2 * gap, t],
    d: [x + t + gap, y + h - t, w - 2 * t - 2 * gap, t],
    g: [x + t + gap, mid, w - 2 * t - 2 * gap, t],
    f: [x, y + t / 2 + gap, t, vh],
    b: [x + w - t, y + t / 2 + gap, t, vh],
    e: [x, y + h / 2 + gap, t, vh],
    c: [x + w - t, y + h / 2 + gap, t, vh],
  };
  const [rx, ry, rw, rh] = rects[segment];
  painter.fillRect(rx, ry, { w: rw, h: rh, color });
}
