/**
 * The demo frame source: a synthetic HMI panel drawn in pure TypeScript, so a fresh install
 * shows a working job with no camera, no ffmpeg and no native code. Values are a pure function
 * of the elapsed second, so tests and demo ROIs know exactly what each region shows.
 */

import { drawText, textWidth } from "./bitmap_font.ts";
import { allocFrameData, type Frame, type FrameSource, type SourceSpec } from "./frame.ts";
import { pacedTicks, type PacingOptions } from "./pacing.ts";
import { type Canvas, Painter, type Rgb } from "./raster.ts";
import { drawSevenSegment, type SevenSegmentStyle, sevenSegmentWidth } from "./seven_segment.ts";

/** The size the layout is designed at; other sizes scale it. */
export const DEMO_DESIGN_SIZE = { width: 1280, height: 720 } as const;
/** Frames per second of the demo when the spec gives none. */
export const DEMO_DEFAULT_FPS = 5;
/** Seconds the lamp stays on, then off. */
export const DEMO_LAMP_PERIOD_S = 3;

/** Ids of the demo's regions. */
export type DemoRegionId = "temperature" | "pressure" | "counter" | "pump_lamp";

/** One region of the demo panel: where a value is shown and which module reads it. */
export interface DemoRegion {
  /** Stable id, usable as an ROI id. */
  readonly id: DemoRegionId;
  /** Label shown on the panel. */
  readonly name: string;
  /** The recognition module that fits this region. */
  readonly module: "sevenseg" | "light_button";
  /** Its params: a readout's decimal point is a dot between cells, not a digit's DP segment, so `sevenseg` is told where it goes. */
  readonly params?: Readonly<Record<string, unknown>>;
  /** Left edge in pixels. */
  readonly x: number;
  /** Top edge in pixels. */
  readonly y: number;
  /** Width in pixels. */
  readonly width: number;
  /** Height in pixels. */
  readonly height: number;
}

/** The demo's regions at {@linkcode DEMO_DESIGN_SIZE}: each readout's display window and the lamp's bounding box. */
export const DEMO_LAYOUT: readonly DemoRegion[] = [
  {
    id: "temperature",
    name: "Temperature °C",
    module: "sevenseg",
    params: { decimals: 1 },
    x: 80,
    y: 150,
    width: 520,
    height: 130,
  },
  {
    id: "pressure",
    name: "Pressure bar",
    module: "sevenseg",
    params: { decimals: 3 },
    x: 680,
    y: 150,
    width: 520,
    height: 130,
  },
  {
    id: "counter",
    name: "Batch counter",
    module: "sevenseg",
    x: 80,
    y: 420,
    width: 520,
    height: 130,
  },
  {
    id: "pump_lamp",
    name: "Pump running",
    module: "light_button",
    x: 700,
    y: 420,
    width: 130,
    height: 130,
  },
];

/** {@linkcode DEMO_LAYOUT} scaled to a frame of `size`, edges rounded the way the renderer rounds them. */
export function demoLayoutFor(size: { width: number; height: number }): DemoRegion[] {
  const sx = size.width / DEMO_DESIGN_SIZE.width, sy = size.height / DEMO_DESIGN_SIZE.height;
  return DEMO_LAYOUT.map((r) => {
    const x = Math.round(r.x * sx), y = Math.round(r.y * sy);
    const width = Math.round((r.x + r.width) * sx) - x;
    const height = Math.round((r.y + r.height) * sy) - y;
    return { ...r, x, y, width, height };
  });
}

/** What the panel shows at one tick: the readouts as displayed, and the lamp. */
export interface DemoState {
  /** Whole seconds since the demo started. */
  readonly tick: number;
  /** Displayed text per readout, e.g. `{ temperature: "23.7", pressure: "1.013", counter: "01200" }`. */
  readonly values: Readonly<Record<"temperature" | "pressure" | "counter", string>>;
  /** Whether the pump lamp is lit. */
  readonly lampOn: boolean;
}

/** The panel's values at `tick` (whole seconds since start); deterministic, smooth like real process values. */
export function demoStateAt(tick: number): DemoState {
  const t = Math.floor(tick);
  const temperature = (237 + Math.round(18 * Math.sin(t / 9))) / 10;
  const pressure = (1013 + Math.round(6 * Math.sin(t / 13))) / 1000;
  const counter = String(Math.max(0, 1200 + t)).padStart(5, "0");
  return {
    tick: t,
    values: { temperature: temperature.toFixed(1), pressure: pressure.toFixed(3), counter },
    lampOn: Math.floor(t / DEMO_LAMP_PERIOD_S) % 2 === 0,
  };
}

const COLORS = {
  panel: [30, 34, 40],
  titleBar: [46, 53, 64],
  title: [225, 228, 232],
  label: [190, 196, 204],
  bezel: [62, 68, 78],
  window: [0, 0, 0],
  digits: [255, 222, 120],
  lampRing: [16, 16, 16],
  lampOn: [40, 235, 70],
  lampOff: [70, 70, 70],
  footer: [120, 128, 138],
} satisfies Record<string, Rgb>;

/** Lamp colours, exported so tests and modules can tell on from off. */
export const DEMO_LAMP_COLORS = { on: COLORS.lampOn, off: COLORS.lampOff } as const;

const DIGITS: SevenSegmentStyle = {
  height: 84,
  width: 48,
  thickness: 12,
  spacing: 16,
  color: COLORS.digits,
};
const LABEL_SCALE = 4;

/** Draws the panel for `state` into `canvas` (any size; the design is scaled to fit). */
export function renderDemoPanel(state: DemoState, canvas: Canvas): void {
  const p = new Painter(canvas, DEMO_DESIGN_SIZE);
  p.fill(COLORS.panel);
  p.fillRect(0, 0, { w: DEMO_DESIGN_SIZE.width, h: 68, color: COLORS.titleBar });
  drawText(p, "VISIONROI DEMO - LINE 3 BOILER", { x: 40, y: 20, scale: 4, color: COLORS.title });
  for (const region of DEMO_LAYOUT) {
    drawText(p, region.name.toUpperCase(), {
      x: region.x - (region.module === "light_button" ? 20 : 0),
      y: region.y - 44,
      scale: LABEL_SCALE,
      color: COLORS.label,
    });
    if (region.module === "light_button") drawLamp(p, region, state.lampOn);
    else drawReadout(p, region, state.values[region.id as keyof DemoState["values"]]);
  }
  const footer = "SYNTHETIC DEMO SOURCE - VALUES CHANGE EVERY SECOND";
  drawText(p, footer, {
    x: DEMO_DESIGN_SIZE.width - 40 - textWidth(footer, 3),
    y: 672,
    scale: 3,
    color: COLORS.footer,
  });
}

function drawReadout(p: Painter, r: DemoRegion, text: string): void {
  p.fillRect(r.x - 8, r.y - 8, { w: r.width + 16, h: r.height + 16, color: COLORS.bezel });
  p.fillRect(r.x, r.y, { w: r.width, h: r.height, color: COLORS.window });
  // Right-aligned like a panel meter, so a growing number keeps its last digit in place.
  const x = r.x + r.width - 32 - sevenSegmentWidth(text, DIGITS);
  drawSevenSegment(p, text, { x, y: r.y + (r.height - DIGITS.height) / 2, style: DIGITS });
}

function drawLamp(p: Painter, r: DemoRegion, on: boolean): void {
  const cx = r.x + r.width / 2, cy = r.y + r.height / 2;
  p.fillCircle(cx, cy, { r: r.width / 2 + 12, color: COLORS.lampRing });
  p.fillCircle(cx, cy, { r: r.width / 2, color: on ? COLORS.lampOn : COLORS.lampOff });
}

/** Options for {@linkcode DemoSource}: the clock and timer, injectable for tests. */
export type DemoSourceOptions = PacingOptions;

/** Frames of the synthetic panel; default 1280×720 at 5 fps, `spec.width/height/fps` override. */
export class DemoSource implements FrameSource {
  /** Always `"demo"`. */
  readonly kind = "demo";
  /** What this source renders. */
  readonly spec: SourceSpec;
  #opts: DemoSourceOptions;

  /** A demo source; `spec.source` is `demo` or `demo:<anything>` and only the size and fps matter. */
  constructor(spec: SourceSpec, opts: DemoSourceOptions = {}) {
    this.spec = spec;
    this.#opts = opts;
  }

  /** Renders a new panel when the second changes and re-serves it in between (frames are immutable). */
  async *frames(signal: AbortSignal): AsyncGenerator<Frame, void, undefined> {
    const { width = DEMO_DESIGN_SIZE.width, height = DEMO_DESIGN_SIZE.height } = this.spec;
    let seq = 0, start = NaN, shownTick = NaN;
    let data = allocFrameData(width, height);
    for await (
      const time of pacedTicks(this.spec.fps ?? DEMO_DEFAULT_FPS, { ...this.#opts, signal })
    ) {
      if (Number.isNaN(start)) start = time;
      const tick = Math.floor((time - start) / 1000);
      if (tick !== shownTick) {
        data = allocFrameData(width, height);
        renderDemoPanel(demoStateAt(tick), { width, height, data });
        shownTick = tick;
      }
      yield { width, height, data, seq: ++seq, time };
    }
  }
}

/** VisionROI `rois.json` entries over the demo's readouts and lamp, in design-size pixels. */
export function demoRois(group = "demo") {
  return DEMO_LAYOUT.map((r) => ({
    id: r.id,
    type: "roi",
    name: r.name,
    group,
    module: r.module,
    ...(r.params ? { params: { ...r.params } } : {}),
    mqtt_config: "",
    points: [
      { x: r.x, y: r.y },
      { x: r.x + r.width, y: r.y },
      { x: r.x + r.width, y: r.y + r.height },
      { x: r.x, y: r.y + r.height },
    ],
  }));
}
