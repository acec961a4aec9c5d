/**
 * The inference preview: the frame at half size with ROI outlines (blue) and page outlines (green)
 * and their ids, drawn on a copy (never on the frame a job or snapshot reads). Encoded once per
 * frame and overlay, however many clients watch.
 */
import { Buffer } from "node:buffer";
import type { Frame } from "../frame_sources/frame.ts";

/** One outline to draw, in frame pixels. */
export interface Outline {
  points: { x: number; y: number }[];
  label: string;
  kind: "roi" | "page";
}

const cache = new WeakMap<Frame, { key: string; jpeg: Promise<Uint8Array> }>();

/** Half-size JPEG (q80) of a frame with outlines. */
export function previewJpeg(frame: Frame, outlines: Outline[]): Promise<Uint8Array> {
  const key = JSON.stringify(outlines);
  const hit = cache.get(frame);
  if (hit && hit.key === key) return hit.jpeg;
  const jpeg = render(frame, outlines);
  cache.set(frame, { key, jpeg });
  return jpeg;
}

async function render(frame: Frame, outlines: Outline[]): Promise<Uint8Array> {
  const w = Math.max(1, Math.round(frame.width / 2));
  const h = Math.max(1, Math.round(frame.height / 2));
  const { default: sharp } = await import("sharp"); // loaded on first use (~30 MB)
  // One pipeline: sharp composites after the resize, so the overlay is drawn at half size.
  let img = sharp(frame.data, { raw: { width: frame.width, height: frame.height, channels: 4 } })
    .resize(w, h);
  if (outlines.length) {
    img = img.composite([{ input: Buffer.from(overlaySvg(outlines, w, h)), top: 0, left: 0 }]);
  }
  const buf = await img.jpeg({ quality: 80 }).toBuffer();
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** SVG of the outlines at half scale; labels are escaped text. */
export function overlaySvg(outlines: Outline[], width: number, height: number): string {
  const shapes = outlines.map((o) => {
    const pts = o.points.map((p) => `${(p.x / 2).toFixed(1)},${(p.y / 2).toFixed(1)}`).join(" ");
    const color = o.kind === "page" ? "#00ff00" : "#0000ff";
    const p0 = o.points[0] ?? { x: 0, y: 0 };
    return `<polygon points="${pts}" fill="none" stroke="${color}" stroke-width="2"/>` +
      `<text x="${(p0.x / 2).toFixed(1)}" y="${(p0.y / 2 - 5).toFixed(1)}" fill="${color}" ` +
      `font-family="sans-serif" font-size="12">${escapeXml(o.label)}</text>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${
    shapes.join("")
  }</svg>`;
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}
