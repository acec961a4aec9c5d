/** The ROI editor's "Test" (read ROIs on the stream's current frame) and page-template capture. */
import { api } from "./api.ts";
import { bbox } from "./roi_geometry.ts";
import type { Point, RoiItem } from "./types.ts";

/** What `/api/read` answers. */
export interface ReadAnswer {
  width: number;
  height: number;
  duration: number;
  results: { id: string; text: string; error?: string; duration: number }[];
}

/** Fetches the current frame of `sid` and reads `rois` on it through `/api/read`. */
export async function readRois(sid: string, rois: RoiItem[]): Promise<ReadAnswer> {
  const res = await fetch(`/ws_snapshot/${encodeURIComponent(sid)}?t=${Date.now()}`);
  if (!res.ok) throw new Error(`no current frame: ${res.status} ${await res.text()}`);
  const form = new FormData();
  form.set("image", await res.blob(), "frame.jpg");
  form.set("rois", JSON.stringify(rois));
  return await api<ReadAnswer>("/api/read", { method: "POST", form });
}

/** The bounding box of `points` cut from `img` as base64 JPEG (a page template, as VisionROI stores it). */
export function captureTemplate(img: HTMLImageElement, points: Point[]): string {
  const b = bbox(points);
  const w = Math.max(1, Math.round(b.w)), h = Math.max(1, Math.round(b.h));
  const canvas = document.createElement("canvas");
  canvas.width = w;
  canvas.height = h;
  canvas.getContext("2d")!.drawImage(img, Math.round(b.x), Math.round(b.y), w, h, 0, 0, w, h);
  return canvas.toDataURL("image/jpeg", 0.92).replace(/^data:image\/jpeg;base64,/, "");
}
