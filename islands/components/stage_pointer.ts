/**
 * Pointer handling of the ROI editor's stage: what a press, a move and a release do with the
 * current tool (draw, select, move, reshape, pan) and what the wheel does (zoom about the pointer).
 */
import { type RefObject } from "preact";
import { useState } from "preact/hooks";
import type { Point, RoiItem } from "../stores/types.ts";
import {
  area,
  clampPoint,
  clampView,
  movePoints,
  orderCorners,
  rectFrom,
  type View,
  zoomAt,
} from "../stores/roi_geometry.ts";
import type { RoiStageProps } from "./roi_stage_props.ts";

/** A gesture in progress. */
export type Drag =
  | { kind: "move"; id: string; start: Point; before: RoiItem[] }
  | { kind: "corner"; id: string; index: number; before: RoiItem[] }
  | { kind: "pan"; client: Point; view: View }
  | { kind: "rect"; start: Point; end: Point };

function framePoint(svg: SVGSVGElement, e: { clientX: number; clientY: number }): Point {
  const m = svg.getScreenCTM();
  const p = new DOMPoint(e.clientX, e.clientY).matrixTransform(m ? m.inverse() : undefined);
  return { x: p.x, y: p.y };
}

function replacePoints(rois: RoiItem[], id: string, points: Point[]): RoiItem[] {
  return rois.map((r) => (String(r.id) === id ? { ...r, points } : r));
}

/** Everything a handler needs: props, the svg, and the gesture state. */
interface Ctx {
  p: RoiStageProps;
  svg: SVGSVGElement;
  drag: Drag | null;
  setDrag(d: Drag | null): void;
  draft: Point[];
  setDraft(d: Point[]): void;
}

function onDown(c: Ctx, e: PointerEvent): void {
  const { p } = c;
  if (e.button === 2) return;
  c.svg.setPointerCapture(e.pointerId);
  const pt = clampPoint(framePoint(c.svg, e), p.size);
  const t = (e.target as Element).closest("[data-roi]") as SVGElement | null;
  const id = t?.dataset.roi ?? null;
  if (e.button === 1 || (p.tool === "select" && !id)) {
    if (p.tool === "select") p.onSelect(null);
    return c.setDrag({ kind: "pan", client: { x: e.clientX, y: e.clientY }, view: p.view });
  }
  if (p.tool === "select" && id) {
    p.onSelect(id);
    const corner = t?.dataset.corner;
    if (corner !== undefined) {
      return c.setDrag({ kind: "corner", id, index: Number(corner), before: p.rois });
    }
    return c.setDrag({ kind: "move", id, start: pt, before: p.rois });
  }
  if (p.tool === "poly") {
    const next = [...c.draft, pt];
    if (next.length < 4) return c.setDraft(next);
    c.setDraft([]);
    if (area(next) >= 4) p.onCreate("roi", orderCorners(next));
    return;
  }
  c.setDrag({ kind: "rect", start: pt, end: pt });
}

function onMove(c: Ctx, e: PointerEvent, pt: Point): void {
  const { p, drag } = c;
  if (!drag) return;
  if (drag.kind === "pan") {
    const k = p.size.width / drag.view.zoom / Math.max(1, c.svg.clientWidth);
    const x = drag.view.x - (e.clientX - drag.client.x) * k;
    const y = drag.view.y - (e.clientY - drag.client.y) * k;
    return p.onView(clampView({ zoom: drag.view.zoom, x, y }, p.size));
  }
  if (drag.kind === "rect") return c.setDrag({ ...drag, end: pt });
  const orig = drag.before.find((r) => String(r.id) === drag.id);
  if (!orig) return;
  const pts = drag.kind === "move"
    ? movePoints(orig.points, { x: pt.x - drag.start.x, y: pt.y - drag.start.y }, p.size)
    : orig.points.map((q, i) => (i === drag.index ? pt : q));
  p.onPreview(replacePoints(drag.before, drag.id, pts));
}

function onUp(c: Ctx): void {
  const { p, drag } = c;
  if (!drag) return;
  c.setDrag(null);
  if (drag.kind === "rect") {
    const pts = rectFrom(drag.start, drag.end);
    if (area(pts) >= 16) p.onCreate(p.tool === "page" ? "page" : "roi", pts);
    return;
  }
  if (drag.kind === "pan") return;
  const now = p.rois.find((r) => String(r.id) === drag.id);
  if (!now) return;
  // A reshaped ROI is re-ordered TL, TR, BR, BL (a corner may have been dragged past another).
  const next = drag.kind === "corner"
    ? replacePoints(p.rois, drag.id, orderCorners(now.points))
    : p.rois;
  p.onCommit(next, drag.before);
}

/** The stage's gesture state and its event handlers. */
export function useStagePointer(p: RoiStageProps, svg: RefObject<SVGSVGElement | null>) {
  const [drag, setDrag] = useState<Drag | null>(null);
  const [draft, setDraft] = useState<Point[]>([]);
  const [hover, setHover] = useState<Point | null>(null);
  const ctx = (): Ctx | null =>
    svg.current ? { p, svg: svg.current, drag, setDrag, draft, setDraft } : null;
  const handlers = {
    down: (e: PointerEvent) => {
      const c = ctx();
      if (c) onDown(c, e);
    },
    move: (e: PointerEvent) => {
      const c = ctx();
      if (!c) return;
      const pt = clampPoint(framePoint(c.svg, e), p.size);
      setHover(pt);
      onMove(c, e, pt);
    },
    up: () => {
      const c = ctx();
      if (c) onUp(c);
    },
    wheel: (e: WheelEvent) => {
      if (!svg.current) return;
      e.preventDefault();
      p.onView(zoomAt(p.view, e.deltaY < 0 ? 1.25 : 0.8, framePoint(svg.current, e), p.size));
    },
  };
  return { drag, draft, hover, handlers };
}
