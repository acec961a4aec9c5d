import assert from "node:assert/strict";
import { ACTIVE_POLL_MS, type BatchTask, IDLE_POLL_MS, nextPollDelay } from "./batch.ts";
import { type BatchRow, seriesOfRows } from "./batch_results.ts";
import { formatBytes, formatVideoTime } from "./batch_format.ts";

const task = (status: BatchTask["status"]) => ({ status }) as BatchTask;

function row(frame: number, time: number | null, id: string, value: number | null): BatchRow {
  return {
    task_id: "t",
    frame_index: frame,
    frame_time: time,
    roi_id: id,
    name: id === "t" ? "Temperature" : "",
    module: "digits",
    text: value === null ? "on" : String(value),
    value,
    confidence: null,
    duration: 0.01,
    error: null,
  };
}

Deno.test("the task list polls every second while a task is pending or processing, slowly otherwise, and backs off after failures", () => {
  assert.equal(nextPollDelay([task("completed"), task("processing")], 0), ACTIVE_POLL_MS);
  assert.equal(nextPollDelay([task("pending")], 0), ACTIVE_POLL_MS);
  assert.equal(nextPollDelay([task("completed"), task("cancelled")], 0), IDLE_POLL_MS);
  assert.equal(nextPollDelay(undefined, 0), IDLE_POLL_MS);
  const first = nextPollDelay([task("processing")], 1);
  const fifth = nextPollDelay([task("processing")], 5);
  assert.ok(first >= 400 && first <= 600, `first retry ${first}`);
  assert.ok(fifth > first, `backs off: ${first} then ${fifth}`);
});

Deno.test("batch rows become one column per numeric ROI over video time; text-only ROIs are left out", () => {
  const rows = [
    row(0, 0, "t", 23.5),
    row(0, 0, "lamp", null),
    row(0, 0, "p", 1.5),
    row(1, 0.2, "t", 23.7),
    row(1, 0.2, "lamp", null),
    row(2, 0.4, "p", 1.6),
  ];
  const { series, time } = seriesOfRows(rows);
  assert.equal(time, true);
  assert.deepEqual(series.times, [0, 0.2, 0.4]);
  assert.deepEqual(series.columns, { Temperature: [23.5, 23.7, null], p: [1.5, null, 1.6] });
});

Deno.test("rows of images (no frame time) are plotted over the image index", () => {
  const { series, time } = seriesOfRows([row(1, null, "p", 2), row(0, null, "p", 1)]);
  assert.equal(time, false);
  assert.deepEqual(series.times, [0, 1]);
  assert.deepEqual(series.columns, { p: [1, 2] });
});

Deno.test("sizes and video times read as people write them", () => {
  assert.equal(formatBytes(999), "999 B");
  assert.equal(formatBytes(1_500_000), "1.5 MB");
  assert.equal(formatBytes(2_147_483_648), "2.1 GB");
  assert.equal(formatVideoTime(0.2), "0:00.200");
  assert.equal(formatVideoTime(75.5), "1:15.500");
  assert.equal(formatVideoTime(3725), "1:02:05.000");
  assert.equal(formatVideoTime(null), "");
});
