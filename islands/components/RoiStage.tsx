/**
 * The ROI editor's drawing surface: the live frame in an SVG whose viewBox is in frame pixels, so
 * pointer positions map to frame pixels exactly. Tools: select (move a ROI, drag a corner, pan),
 * polygon (4 clicks), rectangle and page rectangle (drag). Wheel zooms about the pointer.
 */
import { useRef, useState } from "preact/hooks";
import type { Point, RoiItem } from "../stores/types.ts";
import {
  area,
  clampPoint,
  movePoints,
  orderCorners,
  rectFrom,
  type Size,
} from "../stores/roi_geometry.ts";

/** The drawing tool. */
export type Tool = "select" | "poly" | "rect" | "page";

/** The visible part of the frame: top-left corner and zoom (1 = whole frame). */
export interface View {
  x: number;
  y: number;
  zoom: number;
}

/** Props of {@linkcode RoiStage}. */
export interface RoiStageProps {
  frameUrl: string;
  size: Size;
  rois: RoiItem[];
  selected: string | null;
  tool: Tool;
  view: View;
  readings: Record<string, string>;
  onView(v: View): void;
  onSelect(id: string | null): void;
  /** Shows a changed list while dragging (no undo step). */
  onPreview(rois: RoiItem[]): void;
  /** Records the change as one undo step back to `before`. */
  onCommit(rois: RoiItem[], before: RoiItem[]): void;
  /** A new shape was drawn (4 points, TL TR BR BL). */
  onCreate(kind: "roi" | "page", points: Point[]): void;
}

type Drag =
  | { kind: "move"; id: string; start: Point; before: RoiItem[] }
  | { kind: "corner"; id: string; index: number; before: RoiItem[] }
  | { kind: "pan"; client: Point; view: View }
  | { kind: "rect"; start: Point; end: Point };

/** Zooms `view` by `factor` keeping frame point `at` under the pointer. */
export function zoomAt(view: View, factor: number, at: Point, size: Size): View {
  const zoom = Math.min(8, Math.max(1, view.zoom * factor));
  const k = view.zoom / zoom;
  return clampView({ zoom, x: at.x - (at.x - view.x) * k, y: at.y - (at.y - view.y) * k }, size);
}

/** Keeps the visible part inside the frame. */
export function clampView(v: View, size: Size): View {
  const w = size.width / v.zoom, h = size.height / v.zoom;
  return {
    zoom: v.zoom,
    x: Math.min(Math.max(v.x, 0), size.width - w),
    y: Math.min(Math.max(v.y, 0), size.height - h),
  };
}

function framePoint(svg: SVGSVGElement, e: { clientX: number; clientY: number }): Point {
  const m = svg.getScreenCTM();
  const p = new DOMPoint(e.clientX, e.clientY).matrixTransform(m ? m.inverse() : undefined);
  return { x: p.x, y: p.y };
}

function replacePoints(rois: RoiItem[], id: string, points: Point[]): RoiItem[] {
  return rois.map((r) => (String(r.id) === id ? { ...r, points } : r));
}

/** The stage. */
export function RoiStage(p: RoiStageProps) {
  const svg = useRef<SVGSVGElement>(null);
  const [drag, setDrag] = useState<Drag | null>(null);
  const [draft, setDraft] = useState<Point[]>([]);
  const [hover, setHover] = useState<Point | null>(null);
  const { size, view } = p;
  const vw = size.width / view.zoom, vh = size.height / view.zoom;
  const unit = svg.current ? vw / Math.max(1, svg.current.clientWidth) : vw / 900;
  const at = (e: PointerEvent) => clampPoint(framePoint(svg.current!, e), size);

  const down = (e: PointerEvent) => {
    if (!svg.current || e.button === 2) return;
    svg.current.setPointerCapture(e.pointerId);
    const pt = at(e);
    const t = (e.target as Element).closest("[data-roi]") as SVGElement | null;
    const id = t?.dataset.roi ?? null;
    if (e.button === 1 || (p.tool === "select" && !id)) {
      if (p.tool === "select") p.onSelect(null);
      return setDrag({ kind: "pan", client: { x: e.clientX, y: e.clientY }, view });
    }
    if (p.tool === "select" && id) {
      p.onSelect(id);
      const corner = t?.dataset.corner;
      if (corner !== undefined) {
        return setDrag({ kind: "corner", id, index: Number(corner), before: p.rois });
      }
      return setDrag({ kind: "move", id, start: pt, before: p.rois });
    }
    if (p.tool === "poly") {
      const next = [...draft, pt];
      if (next.length < 4) return setDraft(next);
      setDraft([]);
      if (area(next) >= 4) p.onCreate("roi", orderCorners(next));
      return;
    }
    setDrag({ kind: "rect", start: pt, end: pt });
  };

  const move = (e: PointerEvent) => {
    if (!svg.current) return;
    const pt = at(e);
    setHover(pt);
    if (!drag) return;
    if (drag.kind === "pan") {
      const k = vw / svg.current.clientWidth;
      const x = drag.view.x - (e.clientX - drag.client.x) * k;
      const y = drag.view.y - (e.clientY - drag.client.y) * k;
      return p.onView(clampView({ zoom: drag.view.zoom, x, y }, size));
    }
    if (drag.kind === "rect") return setDrag({ ...drag, end: pt });
    const orig = drag.before.find((r) => String(r.id) === drag.id);
    if (!orig) return;
    const pts = drag.kind === "move"
      ? movePoints(orig.points, { x: pt.x - drag.start.x, y: pt.y - drag.start.y }, size)
      : orig.points.map((q, i) => (i === drag.index ? pt : q));
    p.onPreview(replacePoints(drag.before, drag.id, pts));
  };

  const up = () => {
    if (!drag) return;
    setDrag(null);
    if (drag.kind === "rect") {
      const pts = rectFrom(drag.start, drag.end);
      if (area(pts) >= 16) p.onCreate(p.tool === "page" ? "page" : "roi", pts);
    } else if (drag.kind === "move" || drag.kind === "corner") {
      const now = p.rois.find((r) => String(r.id) === drag.id);
      if (now && drag.kind === "corner") {
        p.onCommit(replacePoints(p.rois, drag.id, orderCorners(now.points)), drag.before);
      } else if (now) p.onCommit(p.rois, drag.before);
    }
  };

  const wheel = (e: WheelEvent) => {
    if (!svg.current) return;
    e.preventDefault();
    p.onView(zoomAt(view, e.deltaY < 0 ? 1.25 : 0.8, framePoint(svg.current, e), size));
  };

  const shapes = p.rois.filter((r) => Array.isArray(r.points) && r.points.length === 4);
  const rect = drag?.kind === "rect" ? rectFrom(drag.start, drag.end) : null;
  const poly = p.tool === "poly" && draft.length ? [...draft, ...(hover ? [hover] : [])] : null;
  return (
    <svg
      ref={svg}
      viewBox={`${view.x} ${view.y} ${vw} ${vh}`}
      data-width={size.width}
      data-height={size.height}
      data-tool={p.tool}
      style={{
        cursor: p.tool === "select" ? (drag?.kind === "pan" ? "grabbing" : "default") : "crosshair",
      }}
      onPointerDown={down}
      onPointerMove={move}
      onPointerUp={up}
      onPointerCancel={up}
      onWheel={wheel}
      onContextMenu={(e) => e.preventDefault()}
    >
      <image href={p.frameUrl} x={0} y={0} width={size.width} height={size.height} />
      {shapes.map((r) => (
        <RoiShape
          key={String(r.id)}
          roi={r}
          unit={unit}
          selected={String(r.id) === p.selected}
          reading={p.readings[String(r.id)]}
        />
      ))}
      {rect && (
        <polygon
          points={rect.map((q) => `${q.x},${q.y}`).join(" ")}
          class="draft"
          fill="rgba(239,68,68,.15)"
          stroke="#ef4444"
          stroke-width={2 * unit}
          stroke-dasharray={`${6 * unit}`}
        />
      )}
      {poly && (
        <polyline
          points={poly.map((q) => `${q.x},${q.y}`).join(" ")}
          fill="none"
          stroke="#ef4444"
          stroke-width={2 * unit}
          stroke-dasharray={`${6 * unit}`}
        />
      )}
      {poly &&
        draft.map((q, i) => <circle key={i} cx={q.x} cy={q.y} r={4 * unit} fill="#ef4444" />)}
    </svg>
  );
}

/** One ROI or page outline with its label, reading and (when selected) corner handles. */
function RoiShape(
  { roi, unit, selected, reading }: {
    roi: RoiItem;
    unit: number;
    selected: boolean;
    reading?: string;
  },
) {
  const id = String(roi.id);
  const color = roi.type === "page" ? "#22c55e" : "#3b82f6";
  const pts = roi.points;
  const label = roi.type === "page"
    ? `${roi.page || id} (page)`
    : (roi.name ? `${id} · ${roi.name}` : id);
  return (
    <g data-roi={id} class="roi-shape" style={{ cursor: "move" }}>
      <polygon
        points={pts.map((q) => `${q.x},${q.y}`).join(" ")}
        fill={selected ? "rgba(250,204,21,.18)" : "rgba(59,130,246,.08)"}
        stroke={selected ? "#facc15" : color}
        stroke-width={(selected ? 3 : 2) * unit}
      />
      <text
        x={pts[0].x + 4 * unit}
        y={pts[0].y - 6 * unit}
        fill={selected ? "#facc15" : color}
        font-size={14 * unit}
        font-weight="600"
        paint-order="stroke"
        stroke="#0f172a"
        stroke-width={3 * unit}
      >
        {label}
      </text>
      {reading !== undefined && (
        <text
          x={pts[3].x + 4 * unit}
          y={pts[3].y + 18 * unit}
          fill="#fde047"
          font-size={16 * unit}
          font-weight="700"
          paint-order="stroke"
          stroke="#0f172a"
          stroke-width={3 * unit}
          class="reading"
        >
          {reading}
        </text>
      )}
      {selected &&
        pts.map((q, i) => (
          <circle
            key={i}
            data-roi={id}
            data-corner={String(i)}
            cx={q.x}
            cy={q.y}
            r={7 * unit}
            fill="#facc15"
            stroke="#0f172a"
            stroke-width={1.5 * unit}
            style={{ cursor: "crosshair" }}
          />
        ))}
    </g>
  );
}
