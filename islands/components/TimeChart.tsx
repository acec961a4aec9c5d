/** A uPlot time-series chart of a {@linkcode Series}; created in the browser only, resized with its box. */
import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import type { Series } from "../stores/results.ts";
import { panZoomPlugin, syncXPlugin } from "./chart_zoom.ts";

const COLORS = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#4b5563"];

/** Props of {@linkcode TimeChart}. */
export interface TimeChartProps {
  /** The data; one line per column (in `keys` order when given). */
  series: Series;
  /** Columns to draw; default every column. */
  keys?: string[];
  /** Plot height in px [160]. */
  height?: number;
  /** Value axis label. */
  unit?: string;
  /** Accessible name of the chart. */
  label: string;
  /** X values are epoch seconds shown as clock times [true]; false: plain numbers (video seconds). */
  clock?: boolean;
  /** X axis label (none by default). */
  xLabel?: string;
  /** Shift+drag pans and Ctrl+wheel zooms (drag-to-zoom and double-click reset are always on). */
  panZoom?: boolean;
  /** Columns drawn as red points without a line (rejected readings). */
  pointsOnly?: string[];
  /** Charts with the same key share the cursor and the x range (zoom one, all follow). */
  syncKey?: string;
}

/** The x range of the data: one point (or several at one time) shows the minute before it. */
export function xRange(
  times: ArrayLike<number>,
  [min, max]: [number, number],
): [number, number] {
  const n = times.length;
  // uPlot widens a lone time point to ±1000 days (a 2027–2029 axis); one minute reads better.
  if (n > 0 && times[0] === times[n - 1]) return [times[0] - 60, times[0] + 1];
  return [min, max];
}

/** The newest non-null value of a column. */
function lastValue(col: ArrayLike<number | null | undefined>): number | null {
  for (let i = col.length - 1; i >= 0; i--) if (col[i] != null) return col[i] as number;
  return null;
}

/** A value for the legend: the whole integer part and at least 5 significant digits. */
export function legendNumber(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return "–";
  if (v === 0) return "0";
  const digits = Math.min(21, Math.max(5, Math.ceil(Math.log10(Math.abs(v) + 1))));
  return String(Number(v.toPrecision(digits)));
}

function timeText(v: number, clock: boolean): string {
  return clock ? new Date(v * 1000).toLocaleTimeString() : String(Math.round(v * 100) / 100);
}

function dataOf(series: Series, keys: string[]): uPlot.AlignedData {
  return [series.times, ...keys.map((k) => series.columns[k] ?? series.times.map(() => null))];
}

/** The chart; `data-points` tells how many points it holds (tests read it). */
export function TimeChart(
  {
    series,
    keys,
    height = 160,
    unit,
    label,
    clock = true,
    xLabel,
    panZoom,
    pointsOnly = [],
    syncKey,
  }: TimeChartProps,
) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const cols = keys ?? Object.keys(series.columns).sort();
  const shape = [...cols, "\u0001", ...pointsOnly].join("\u0000");

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height,
      // Idle, the legend shows the newest point; hovering, the point under the cursor.
      legend: { show: cols.length > 1, live: true },
      scales: { x: { time: clock, range: (u, min, max) => xRange(u.data[0], [min, max]) } },
      axes: [{ label: xLabel }, { label: unit, size: 56 }],
      plugins: [...(panZoom ? [panZoomPlugin()] : []), ...(syncKey ? [syncXPlugin(syncKey)] : [])],
      ...(syncKey ? { cursor: { sync: { key: syncKey } } } : {}),
      hooks: {
        setScale: [(u, key) => {
          if (key !== "x") return;
          el.dataset.xmin = String(u.scales.x.min);
          el.dataset.xmax = String(u.scales.x.max);
        }],
      },
      series: [
        {
          label: clock ? "Time" : xLabel ?? "x",
          value: (u, v, _si, idx) => {
            if (idx == null) {
              const last = lastValue(u.data[0]);
              return last === null ? "–" : `${timeText(last, clock)} (newest)`;
            }
            return v == null ? "–" : timeText(v, clock);
          },
        },
        ...cols.map((k, i): uPlot.Series => {
          const value = (u: uPlot, v: number | null, si: number, idx: number | null) =>
            legendNumber(idx == null ? lastValue(u.data[si]) : v);
          if (pointsOnly.includes(k)) {
            return {
              label: k,
              stroke: "#dc2626",
              paths: () => null,
              points: { show: true, size: 7, fill: "#dc2626", stroke: "#dc2626" },
              value,
            };
          }
          return {
            label: k,
            stroke: COLORS[i % COLORS.length],
            width: 2,
            spanGaps: true,
            value,
          };
        }),
      ],
    };
    const u = new uPlot(opts, dataOf(series, cols), el);
    plot.current = u;
    const ro = new ResizeObserver(() =>
      u.setSize({ width: Math.max(200, el.clientWidth), height })
    );
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
  }, [shape, height, unit, clock, xLabel, panZoom, syncKey]);

  useEffect(() => {
    plot.current?.setData(dataOf(series, cols));
  }, [series]);

  return (
    <div
      class="chart"
      ref={box}
      role="img"
      aria-label={label}
      data-points={String(series.times.length)}
    />
  );
}
