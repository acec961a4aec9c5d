/** Groups text boxes into lines and orders them top to bottom, then left to right. */
import type { Pt } from "./text_boxes.ts";

/** Anything with 4 corners TL, TR, BR, BL. */
export interface Quadrilateral {
  /** Corners. */
  points: readonly [Pt, Pt, Pt, Pt];
}

function span(q: Quadrilateral) {
  const ys = q.points.map((p) => p.y), xs = q.points.map((p) => p.x);
  return { top: Math.min(...ys), bottom: Math.max(...ys), left: Math.min(...xs) };
}

/**
 * Lines of boxes in reading order: a box joins a line when its vertical centre falls inside
 * the line's vertical extent (text on one line overlaps vertically; lines below do not).
 */
export function readingOrder<T extends Quadrilateral>(boxes: readonly T[]): T[][] {
  const sorted = [...boxes].sort((a, b) => {
    const sa = span(a), sb = span(b);
    return sa.top + sa.bottom - (sb.top + sb.bottom);
  });
  const lines: { top: number; bottom: number; items: T[] }[] = [];
  for (const box of sorted) {
    const s = span(box), mid = (s.top + s.bottom) / 2;
    const line = lines.find((l) => mid >= l.top && mid <= l.bottom);
    if (line) {
      line.items.push(box);
      line.top = Math.min(line.top, s.top);
      line.bottom = Math.max(line.bottom, s.bottom);
    } else lines.push({ top: s.top, bottom: s.bottom, items: [box] });
  }
  lines.sort((a, b) => a.top + a.bottom - (b.top + b.bottom));
  return lines.map((l) => l.items.sort((a, b) => span(a).left - span(b).left));
}
