/** The ROI editor's actions that are not drawing: new entries, Test, and keyboard shortcuts. */
import { useEffect } from "preact/hooks";
import { nextId } from "../stores/roi_geometry.ts";
import { captureTemplate, readRois } from "../stores/roi_test.ts";
import { errorText } from "../stores/api.ts";
import type { Point, RoiItem } from "../stores/types.ts";
import type { RoiDoc } from "../stores/roi_doc.ts";
import type { Note } from "./Notice.tsx";

/** A new ROI (in the group most ROIs use, else "main"; `skip_unchanged` on) or page (its template cut from `img`). */
export function newEntry(
  kind: "roi" | "page",
  points: Point[],
  ctx: { rois: RoiItem[]; img: HTMLImageElement | null },
): RoiItem {
  const ids = ctx.rois.map((r) => String(r.id));
  if (kind === "page") {
    const id = nextId("page", ids);
    const image = ctx.img ? captureTemplate(ctx.img, points) : null;
    return { id, type: "page", page: id, name: id, image, points };
  }
  const group = ctx.rois.find((r) => r.type === "roi" && r.group)?.group ?? "main";
  return {
    id: nextId("roi", ids),
    type: "roi",
    name: "",
    group,
    module: "",
    mqtt_config: "",
    // On for ROIs made here (bench/RESULTS.md "skip_unchanged": as many readings right, fresher,
    // less CPU per frame); ROIs saved through the API without the field are read every frame.
    skip_unchanged: true,
    points,
  };
}

/** Reads the selected ROI (or every ROI with a module) on the stream's current frame. */
export async function testRois(
  sid: string,
  rois: RoiItem[],
  sel: RoiItem | null,
): Promise<{ note: Note; readings?: Record<string, string> }> {
  const targets = rois.filter((r) => r.type === "roi" && r.module && (!sel || r === sel));
  if (targets.length === 0) {
    return { note: { kind: "error", text: "Test reads ROIs that have a module: pick one first." } };
  }
  try {
    const res = await readRois(sid, targets);
    const readings = Object.fromEntries(
      res.results.map((r) => [r.id, r.error ? `error: ${r.error}` : r.text]),
    );
    const ms = (res.duration * 1000).toFixed(0);
    return {
      note: { kind: "ok", text: `Read ${res.results.length} ROI(s) in ${ms} ms.` },
      readings,
    };
  } catch (err) {
    return { note: { kind: "error", text: `Test failed: ${errorText(err)}` } };
  }
}

/**
 * Ctrl/⌘+Z undo, Ctrl/⌘+Shift+Z or Ctrl/⌘+Y redo, Delete/Backspace removes the selection,
 * Escape deselects (with any tool).
 */
export function useEditorKeys(
  doc: RoiDoc,
  remove: (() => void) | null,
  deselect: (() => void) | null = null,
): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.target as HTMLElement).closest("input, select, textarea")) return;
      const mod = e.ctrlKey || e.metaKey;
      const key = e.key.toLowerCase();
      if (mod && (key === "z" || key === "y")) {
        e.preventDefault();
        return key === "z" && !e.shiftKey ? doc.undo() : doc.redo();
      }
      if (e.key === "Escape" && deselect) {
        e.preventDefault();
        return deselect();
      }
      if ((e.key === "Delete" || e.key === "Backspace") && remove) {
        e.preventDefault();
        remove();
      }
    };
    addEventListener("keydown", onKey);
    return () => removeEventListener("keydown", onKey);
  });
}
