/// <reference lib="dom" />
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

const groups = new Map<string, Set<uPlot>>();
/** Groups whose charts are being moved to a new range now (their own hooks then stay quiet). */
const applying = new Set<string>();

/**
 * Keeps the x range of every chart of group `key` the same: zooming, panning or resetting one
 * moves the others (charts of one time span compared side by side).
 */
export function syncXPlugin(key: string): uPlot.Plugin {
  return {
    hooks: {
      ready: (u) => {
        let group = groups.get(key);
        if (!group) groups.set(key, group = new Set());
        group.add(u);
      },
      destroy: (u) => {
        const group = groups.get(key);
        group?.delete(u);
        if (group?.size === 0) groups.delete(key);
      },
      setScale: (u, scale) => {
        if (scale !== "x" || applying.has(key)) return;
        const { min, max } = u.scales.x;
        if (min == null || max == null) return;
        for (const other of groups.get(key) ?? []) {
          if (other === u) continue;
          const o = other.scales.x;
          if (o.min === min && o.max === max) continue;
          applying.add(key);
          try {
            other.setScale("x", { min, max });
          } finally {
            applying.delete(key);
          }
        }
      },
    },
  };
}
