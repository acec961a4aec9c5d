/**
 * A uPlot plugin for panning a zoomed time chart: Shift+drag (or a middle-button drag) moves the
 * x range, Ctrl/⌘+wheel zooms around the pointer. Plain drag keeps uPlot's zoom to the selection
 * and a double-click its reset to the whole range; plain wheel still scrolls the page.
 */
import type uPlot from "uplot";

/** The x range after zooming by `factor` (< 1 in, > 1 out) around the value `at`. */
export function zoomRange(
  [min, max]: [number, number],
  opts: { at: number; factor: number },
): [number, number] {
  const { at, factor } = opts;
  return [at - (at - min) * factor, at + (max - at) * factor];
}

/** The x range moved by `dx` CSS pixels on a plot `width` pixels wide (drag right: earlier). */
export function panRange(
  [min, max]: [number, number],
  opts: { dx: number; width: number },
): [number, number] {
  const dv = (opts.dx / Math.max(1, opts.width)) * (max - min);
  return [min - dv, max - dv];
}

/** The plugin. */
export function panZoomPlugin(): uPlot.Plugin {
  return {
    hooks: {
      ready: (u) => {
        const over = u.over;
        over.title = "Drag to zoom · Shift+drag to pan · Ctrl+wheel to zoom · double-click: all";
        over.addEventListener("mousedown", (e) => {
          if (!e.shiftKey && e.button !== 1) return;
          // Capture phase, so uPlot does not start a zoom selection as well.
          e.stopPropagation();
          e.preventDefault();
          const x0 = e.clientX;
          const min0 = u.scales.x.min!;
          const max0 = u.scales.x.max!;
          const move = (ev: MouseEvent) => {
            const [min, max] = panRange([min0, max0], {
              dx: ev.clientX - x0,
              width: over.clientWidth,
            });
            u.setScale("x", { min, max });
          };
          const up = () => {
            globalThis.removeEventListener("mousemove", move);
            globalThis.removeEventListener("mouseup", up);
          };
          globalThis.addEventListener("mousemove", move);
          globalThis.addEventListener("mouseup", up);
        }, { capture: true });
        over.addEventListener("wheel", (e) => {
          if (!e.ctrlKey && !e.metaKey) return;
          e.preventDefault();
          const at = u.posToVal(e.offsetX, "x");
          const [min, max] = zoomRange([u.scales.x.min!, u.scales.x.max!], {
            at,
            factor: e.deltaY < 0 ? 0.8 : 1.25,
          });
          u.setScale("x", { min, max });
        }, { passive: false });
      },
    },
  };
}
