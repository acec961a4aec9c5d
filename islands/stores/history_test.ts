import assert from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import { h } from "preact";
import {
  boundsOf,
  chartsOf,
  fromLocalInput,
  type HistoryRow,
  resultsParams,
  toLocalInput,
} from "./history.ts";
import { HistoryTable } from "../components/HistoryTable.tsx";
import { legendNumber, xRange } from "../components/TimeChart.tsx";
import { panRange, zoomRange } from "../components/chart_zoom.ts";

function row(time: number, roi: string, value: number | null, extra: Partial<HistoryRow> = {}) {
  return {
    time,
    iso_time: new Date(time * 1000).toISOString(),
    cam_id: "cam",
    source: "src",
    roi_id: roi,
    name: roi.toUpperCase(),
    module: "digits",
    text: value === null ? "abc" : String(value),
    value,
    duration: 0.01,
    ...extra,
  } satisfies HistoryRow;
}

Deno.test("history query: preset ranges are pinned at load time; ROIs only with a source", () => {
  const f = { source: "", rois: ["a"], range: "hour" as const };
  assert.deepEqual(boundsOf(f, 10_000.5), { from: 6400, to: 10_001 });
  const q = resultsParams(f, boundsOf(f, 10_000.5), { format: "csv", limit: 5 });
  assert.equal(q.toString(), "from=6400&to=10001&order=desc&limit=5&format=csv");
  const one = { source: "cam 1", rois: ["a", "b"], range: "custom" as const, from: 1, to: 2 };
  assert.equal(
    resultsParams(one, boundsOf(one, 99)).toString(),
    "source=cam+1&roi=a&roi=b&from=1&to=2&order=desc&limit=20000&format=json",
  );
  assert.match(resultsParams(one, { from: 1, to: 2 }, { maxId: 77 }).toString(), /&max_id=77&/);
});

Deno.test("history charts: one per numeric ROI, oldest first; rejected values in their own column", () => {
  const rows = [
    row(3, "a", 30, { status: "rejected", reason: "rate 37/min > 10/min" }),
    row(3, "t", null),
    row(2, "a", 20, { status: "accepted" }),
    row(1, "a", 10),
    row(1, "b", 5),
  ];
  const charts = chartsOf(rows);
  assert.deepEqual(charts.map((c) => c.label), ["A", "B"], "the text-only ROI has no chart");
  const a = charts[0];
  assert.deepEqual(a.series.times, [1, 2, 3]);
  assert.deepEqual(a.series.columns["A"], [10, 20, null]);
  assert.equal(a.rejectedKey, "A (rejected)");
  assert.deepEqual(a.series.columns["A (rejected)"], [null, null, 30]);
  assert.equal(charts[1].rejectedKey, undefined, "no rejected column without rejections");
  const two = chartsOf([row(1, "a", 1), row(1, "a", 2, { source: "other" })]);
  assert.deepEqual(two.map((c) => c.label), ["A · other", "A · src"]);
});

Deno.test("history table: a rejected reading says why; a row without status counts as accepted", () => {
  const html = renderToString(h(HistoryTable, {
    rows: [row(2, "a", 99, { status: "rejected", reason: "jump 99 > 10" }), row(1, "a", 1)],
  }));
  assert.match(html, /<tr class="row-rejected"[^>]*>.*rejected: jump 99 (&gt;|>) 10/s);
  assert.match(html, /accepted/);
  assert.match(html, /2 readings · 1 rejected/);
  const many = renderToString(h(HistoryTable, {
    rows: Array.from({ length: 120 }, (_, i) => row(200 - i, "a", i)),
  }));
  assert.match(many, /page 1 of 3/);
  assert.equal([...many.matchAll(/<tr\s+data-roi/g)].length, 50, "50 rows a page");
});

Deno.test("charts: one point shows the minute before it, not years; legend numbers stay short", () => {
  assert.deepEqual(xRange([100, 100], [100, 100 + 86_400_000]), [40, 101]);
  assert.deepEqual(xRange([5], [5, 86_400_005]), [-55, 6]);
  assert.deepEqual(xRange([1, 2], [1, 2]), [1, 2]);
  assert.equal(legendNumber(299.7355), "299.74");
  assert.equal(legendNumber(1.018), "1.018");
  assert.equal(legendNumber(1213), "1213");
  assert.equal(legendNumber(null), "–");
  assert.deepEqual(zoomRange([0, 100], { at: 50, factor: 0.5 }), [25, 75]);
  assert.deepEqual(panRange([0, 100], { dx: 50, width: 200 }), [-25, 75]);
});

Deno.test("datetime-local values round-trip to epoch seconds in local time", () => {
  const t = 1_796_285_220; // a whole minute
  assert.equal(fromLocalInput(toLocalInput(t)), t);
  assert.equal(fromLocalInput(""), undefined);
});
