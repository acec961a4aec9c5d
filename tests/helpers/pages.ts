/** Synthetic pages for page-detection tests: a second HMI screen, placed in a frame by a homography. */
import sharp from "sharp";
import { drawText } from "../../actors/frame_sources/bitmap_font.ts";
import { demoStateAt, renderDemoPanel } from "../../actors/frame_sources/demo.ts";
import { allocFrameData, type Frame } from "../../actors/frame_sources/frame.ts";
import { Painter, type Rgb } from "../../actors/frame_sources/raster.ts";
import { loadCv } from "../../inference_modules/cv_loader.ts";
import type { Quad } from "../../inference_modules/roi_polygon.ts";

/** RGBA pixels in ordinary memory. */
export interface Image {
  width: number;
  height: number;
  data: Uint8Array;
}

/** A 3×3 homography, row-major. */
export type Matrix3 = number[];

/** The demo panel at `tick`, 1280×720. */
export function demoPage(tick = 0): Image {
  const width = 1280, height = 720;
  const data = new Uint8Array(width * height * 4);
  renderDemoPanel(demoStateAt(tick), { width, height, data });
  return { width, height, data };
}

/** A second screen unlike the demo panel (an alarm list), 1280×720. */
export function alarmPage(): Image {
  const width = 1280, height = 720;
  const data = new Uint8Array(width * height * 4);
  const p = new Painter({ width, height, data }, { width, height });
  p.fill([238, 236, 228]);
  p.fillRect(0, 0, { w: width, h: 80, color: [150, 30, 30] });
  drawText(p, "ALARM HISTORY - UNIT 7", { x: 40, y: 22, scale: 5, color: [255, 255, 255] });
  const rows = ["HIGH LEVEL TANK 2", "LOW FLOW P-104", "DOOR OPEN CAB 3", "OVERTEMP MOTOR M5"];
  rows.forEach((text, i) => {
    const y = 130 + i * 130;
    const color: Rgb = i % 2 ? [40, 90, 160] : [200, 120, 20];
    p.fillRect(40, y, { w: 90, h: 90, color });
    drawText(p, `${i + 1}`, { x: 70, y: y + 25, scale: 6, color: [255, 255, 255] });
    drawText(p, text, { x: 170, y: y + 10, scale: 5, color: [30, 30, 30] });
    drawText(p, `0${i + 3}.1${i}.4${i} ACK`, { x: 170, y: y + 60, scale: 3, color: [90, 90, 90] });
    p.fillRect(1000, y + 15, { w: 220, h: 60, color: [60, 60, 60] });
    drawText(p, `${17 + i * 9}.${i}`, { x: 1030, y: y + 28, scale: 5, color: [120, 255, 120] });
  });
  return { width, height, data };
}

/** Rotation by `deg` degrees and uniform `scale` about the origin, then a shift by (tx, ty). */
export function similarity(deg: number, scale: number, tx: number, ty: number): Matrix3 {
  const a = (deg * Math.PI) / 180, c = scale * Math.cos(a), s = scale * Math.sin(a);
  return [c, -s, tx, s, c, ty, 0, 0, 1];
}

/** Where `m` sends a point. */
export function mapPoint(m: Matrix3, p: { x: number; y: number }): { x: number; y: number } {
  const w = m[6] * p.x + m[7] * p.y + m[8];
  return { x: (m[0] * p.x + m[1] * p.y + m[2]) / w, y: (m[3] * p.x + m[4] * p.y + m[5]) / w };
}

/** A `width`×`height` frame of flat grey with `page` warped into it by `m` (page pixels → frame pixels). */
export async function placePage(
  page: Image | undefined,
  m: Matrix3,
  size: { width: number; height: number },
): Promise<Frame> {
  const { cv } = await loadCv();
  const data = allocFrameData(size.width, size.height);
  const src = new cv.Mat(page?.height ?? 1, page?.width ?? 1, cv.CV_8UC4);
  const out = new cv.Mat();
  const h = cv.matFromArray(3, 3, cv.CV_64F, m);
  try {
    if (page) src.data.set(page.data);
    const grey = new cv.Scalar(96, 96, 96, 255);
    const dsize = new cv.Size(size.width, size.height);
    cv.warpPerspective(src, out, h, dsize, cv.INTER_LINEAR, cv.BORDER_CONSTANT, grey);
    if (!page) out.setTo(grey);
    data.set(out.data);
  } finally {
    src.delete();
    out.delete();
    h.delete();
  }
  return { width: size.width, height: size.height, data, seq: 1, time: Date.now() };
}

/** A page template as VisionROI stores it: base64 JPEG (q92, like a browser's default). */
export async function templateBase64(img: Image): Promise<string> {
  const buf = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 4 } })
    .jpeg({ quality: 92 })
    .toBuffer();
  return buf.toString("base64");
}

/** The 4 corners TL, TR, BR, BL of the rectangle (x, y, w, h). */
export function rectPoints(x: number, y: number, w: number, h: number): Quad {
  return [{ x, y }, { x: x + w, y }, { x: x + w, y: y + h }, { x, y: y + h }];
}
