/** Still images of the demo panel with known values, and ROIs that land on them. */
import sharp from "sharp";
import { demoRois, demoStateAt, renderDemoPanel } from "../../actors/frame_sources/demo.ts";

/** Writes the demo panel at `tick` as PNG and returns what it shows. */
export async function writePanelPng(path: string, tick: number) {
  const state = demoStateAt(tick);
  const width = 1280, height = 720;
  const data = new Uint8Array(width * height * 4);
  renderDemoPanel(state, { width, height, data });
  await sharp(data, { raw: { width, height, channels: 4 } }).png().toFile(path);
  return {
    temperature: state.values.temperature,
    pressure: state.values.pressure,
    counter: state.values.counter,
    pump_lamp: state.lampOn ? "on" : "off",
  };
}

/**
 * VisionROI `rois.json` entries over the panel's readouts and lamp, the readouts on `digits` (the
 * ONNX reader these tests were written against; the demo job itself reads them with `sevenseg`).
 */
export function panelRois(group = "panel") {
  return demoRois(group).map(({ params: _, ...r }) =>
    r.module === "sevenseg" ? { ...r, module: "digits" } : r
  );
}
