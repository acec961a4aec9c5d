import assert from "node:assert/strict";
import { liveRowsOf } from "./results_history.ts";
import type { FrameResult, RoiResultEntry } from "../jobs/result_bus.ts";

const frame = (entries: Partial<RoiResultEntry>[]): FrameResult => ({
  frame_time: 100,
  result_time: 100.1,
  cam_id: "cam1",
  source: "panel",
  group: "g",
  frame_duration: 0.1,
  results: entries.map((e, i) => ({
    id: `r${i}`,
    name: `R${i}`,
    text: "",
    module: "digits",
    group: "g",
    cam_id: "cam1",
    source: "panel",
    frame_time: 100,
    result_time: 100.1,
    duration: 0.01,
    ...e,
  })),
});

Deno.test("history rows: a judged reading keeps the rules' value; others the first number", () => {
  const rows = liveRowsOf(frame([
    // Rejected as not a number: no value, although "T 23" holds one.
    { text: "T 23", status: "rejected", reason: 'not a number: "T 23"' },
    { text: "12,5 kWh", status: "accepted", value: 12.5 },
    { text: "06200", status: "rejected", reason: "rate 9000/min > 600/min", value: 6200 },
    // `numeric: false` on a text ROI: accepted without a value.
    { text: "Line 3 ok", status: "accepted" },
    // No rules: the first number of the text, as before.
    { text: "T 23" },
    { text: "x", error: "boom" },
    { text: "7", status: "accepted", value: 7, unchanged: true },
  ]));
  assert.deepEqual(
    rows.map((r) => [r.text, r.value, r.status, r.reason]),
    [
      ["T 23", null, "rejected", 'not a number: "T 23"'],
      ["12,5 kWh", 12.5, "accepted", null],
      ["06200", 6200, "rejected", "rate 9000/min > 600/min"],
      ["Line 3 ok", null, "accepted", null],
      ["T 23", 23, null, null],
    ],
  );
});
