import assert from "node:assert/strict";
import { alertRow, moduleDetails, sourceDetails, sourceRuns } from "./dashboard_metrics.ts";
import type { FrameResult, RoiResultEntry } from "./result_bus.ts";

const entry = (id: string, duration?: number): RoiResultEntry => ({
  id,
  name: "",
  text: "1",
  module: "digits",
  group: "g",
  cam_id: "c1",
  source: "s",
  frame_time: 100,
  result_time: 100.5,
  duration: duration as number,
});
const frame = (results: RoiResultEntry[], t = 100.5): FrameResult => ({
  frame_time: 100,
  result_time: t,
  cam_id: "c1",
  source: "s",
  group: "g",
  frame_duration: 0.5,
  results,
});
const row = {
  cam_id: "c1",
  source: "s",
  group: "g",
  interval: 1,
  roi_count: 0,
  modules: [],
  inference_running: false,
  fps: null,
  actual_fps: null,
  target_fps: null,
};

Deno.test("source_runs counts every result, with or without a duration, and the reported ROI count", () => {
  const f = frame([entry("a", 0.2), entry("b"), entry("c", 0.4)]);
  const [run] = sourceRuns([row], () => [f]);
  assert.equal(run.roi_count, 3);
  assert.equal(run.total_duration, 0.6);
  assert.deepEqual(run.fastest?.id, "a");
  assert.deepEqual(run.slowest?.id, "c");
  const [more] = sourceRuns([{ ...row, roi_count: 5 }], () => [f]);
  assert.equal(more.roi_count, 5, "the stream's ROI count when larger");
  assert.deepEqual(sourceRuns([row], () => []), [], "no frame, no run");
});

Deno.test("source_details compares the latest frame duration with the interval", () => {
  const [d] = sourceDetails([{ ...row, interval: 0.25 }], () => [frame([entry("a", 0.1)])]);
  assert.equal(d.latest_duration, 0.5);
  assert.equal(d.meets_interval, false);
  assert.equal(d.interval_gap, -0.25);
  assert.equal(d.latest_interval_ratio, 2);
  const [none] = sourceDetails([row], () => []);
  assert.equal(none.samples, 0);
  assert.equal(none.meets_interval, null);
});

Deno.test("module details: types, fastest and slowest samples; alert rows carry time and count", () => {
  const [m] = moduleDetails([frame([entry("a", 0.3), entry("b", 0.1), entry("c")])], () => ["roi"]);
  assert.deepEqual(m.types, ["roi"]);
  assert.equal(m.fastest_roi_id, "b");
  assert.equal(m.slowest_roi_id, "a");
  assert.equal(m.sample_count, 2);
  assert.equal(m.roi_count, 3);
  const a = alertRow(frame([entry("a", 0.1)], 1738300000.5));
  assert.equal(a.count, 1);
  assert.equal(a.timestamp, "2025-01-31T05:06:40.500Z");
  assert.equal(a.timestamp_epoch, 1738300000.5);
});
