/**
 * The ROI editor's drawing surface: the live frame in an SVG whose viewBox is in frame pixels, so
 * pointer positions map to frame pixels exactly. Tools: select (move a ROI, drag a corner, pan),
 * polygon (4 clicks), rectangle and page rectangle (drag). Wheel zooms about the pointer.
 */
import { useRef } from "preact/hooks";
import { useStagePointer } from "./stage_pointer.ts";
import type { RoiItem } from "../stores/types.ts";
import { rectFrom, type View } from "../stores/roi_geometry.ts";
import type { RoiStageProps } from "./roi_stage_props.ts";

export type { RoiStageProps, Tool } from "./roi_stage_props.ts";
export type { View };

/** The stage. */
export function RoiStage(p: RoiStageProps) {
  const svg = useRef<SVGSVGElement>(null);
  const { drag, draft, hover, handlers } = useStagePointer(p, svg);
  const { size, view } = p;
  const vw = size.width / view.zoom, vh = size.height / view.zoom;
  const unit = svg.current ? vw / Math.max(1, svg.current.clientWidth) : vw / 900;
  // Pages (usually large) always under ROIs, the selected ROI on top: a click finds what it shows.
  const rank = (r: RoiItem) => (r.type === "page" ? 0 : String(r.id) === p.selected ? 2 : 1);
  const shapes = p.rois.filter((r) => Array.isArray(r.points) && r.points.length === 4)
    .sort((a, b) => rank(a) - rank(b));
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
      onPointerDown={handlers.down}
      onPointerMove={handlers.move}
      onPointerUp={handlers.up}
      onPointerCancel={handlers.up}
      onWheel={handlers.wheel}
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
      {
        /* The Test reading sits on the label's line, above the ROI: under the ROI it covered the
       label of the ROI below. A ROI at the frame's top edge gets its label inside. */
      }
      <text
        x={pts[0].x + 4 * unit}
        y={pts[0].y - 6 * unit < 16 * unit ? pts[0].y + 18 * unit : pts[0].y - 6 * unit}
        fill={selected ? "#facc15" : color}
        font-size={14 * unit}
        font-weight="600"
        paint-order="stroke"
        stroke="#0f172a"
        stroke-width={3 * unit}
      >
        {label}
        {reading !== undefined && (
          <tspan
            class="reading"
            fill="#fde047"
            font-size={16 * unit}
            font-weight="700"
            dx={8 * unit}
          >
            {reading}
          </tspan>
        )}
      </text>
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
