/** The ROI editor's toolbar: tools, zoom, undo/redo and Test. */
import { clampView, type Size, type View, zoomAt } from "../stores/roi_geometry.ts";
import type { RoiDoc } from "../stores/roi_doc.ts";
import type { Tool } from "./RoiStage.tsx";

const TOOLS: [Tool, string, string][] = [
  ["select", "Select", "Select, move, reshape; drag the background to pan"],
  ["rect", "Rectangle", "Drag a rectangle ROI"],
  ["poly", "Polygon", "Click 4 corners"],
  ["page", "Page", "Drag a page rectangle: its template is captured from the frame"],
];

/** Props of {@linkcode RoiToolbar}. */
export interface RoiToolbarProps {
  tool: Tool;
  setTool(t: Tool): void;
  view: View;
  setView(v: View): void;
  size: Size | null;
  doc: RoiDoc;
  /** Reads the selected ROI. */
  onTest(): void;
  /** Reads every ROI that has a module. */
  onTestAll(): void;
  /** A ROI with a module is selected (Test has something to read). */
  canTest: boolean;
}

/** The toolbar. */
export function RoiToolbar(
  { tool, setTool, view, setView, size, doc, onTest, onTestAll, canTest }: RoiToolbarProps,
) {
  const zoom = (f: number) => {
    if (!size) return;
    const center = {
      x: view.x + size.width / view.zoom / 2,
      y: view.y + size.height / view.zoom / 2,
    };
    setView(zoomAt(view, f, center, size));
  };
  return (
    <div class="toolbar" role="toolbar" aria-label="ROI tools">
      {TOOLS.map(([t, label, title]) => (
        <button
          key={t}
          type="button"
          title={title}
          aria-pressed={tool === t}
          onClick={() => setTool(t)}
        >
          {label}
        </button>
      ))}
      <span class="sep" />
      <button type="button" title="Zoom in" aria-label="Zoom in" onClick={() => zoom(1.25)}>
        +
      </button>
      <button type="button" title="Zoom out" aria-label="Zoom out" onClick={() => zoom(0.8)}>
        −
      </button>
      <button
        type="button"
        title="Whole frame"
        onClick={() => size && setView(clampView({ x: 0, y: 0, zoom: 1 }, size))}
      >
        Fit
      </button>
      <span class="muted small">{Math.round(view.zoom * 100)}%</span>
      <span class="sep" />
      <button type="button" onClick={doc.undo} disabled={doc.history.past.length === 0}>
        Undo
      </button>
      <button type="button" onClick={doc.redo} disabled={doc.history.future.length === 0}>
        Redo
      </button>
      <span class="sep" />
      <button
        type="button"
        class="primary"
        onClick={onTest}
        disabled={!canTest}
        title={canTest
          ? "Read the selected ROI on the current frame"
          : "Select a ROI with a module"}
      >
        Test
      </button>
      <button type="button" onClick={onTestAll} title="Read every ROI with a module">
        Test all
      </button>
    </div>
  );
}
