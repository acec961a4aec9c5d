/** A uPlot time-series chart of a {@linkcode Series}; created in the browser only, resized with its box. */
import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import type { Series } from "../stores/results.ts";

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
}

function dataOf(series: Series, keys: string[]): uPlot.AlignedData {
  return [series.times, ...keys.map((k) => series.columns[k] ?? series.times.map(() => null))];
}

/** The chart; `data-points` tells how many points it holds (tests read it). */
export function TimeChart(
  { series, keys, height = 160, unit, label, clock = true, xLabel }: TimeChartProps,
) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const cols = keys ?? Object.keys(series.columns).sort();
  const shape = cols.join("\u0000");

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height,
      // Keys only: live values would read "Time: --" until the pointer is over the plot.
      legend: { show: cols.length > 1, live: false },
      scales: {
        // One point would make uPlot span years around it: show the minute before it instead.
        x: {
          time: clock,
          // uPlot widens a single time point by 86 400 000 s (~3 years) before this sees it: look
          // at the data itself.
          range: (u, min, max) => {
            const xs = u.data[0] ?? [];
            const one = xs.length > 0 && xs[0] === xs[xs.length - 1];
            return one ? [xs[0] - 60, xs[0] + 1] : min === max ? [min - 60, max + 1] : [min, max];
          },
        },
      },
      axes: [{ label: xLabel }, { label: unit, size: 56 }],
      series: [
        clock ? {} : { label: xLabel },
        ...cols.map((k, i) => ({
          label: k,
          stroke: COLORS[i % COLORS.length],
          width: 2,
          spanGaps: true,
        })),
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
  }, [shape, height, unit, clock, xLabel]);

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
