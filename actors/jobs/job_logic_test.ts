import assert from "node:assert/strict";
import {
  aggregate,
  groupMessage,
  type JobRoi,
  pagesToDetect,
  readableRois,
  selectRois,
  toTask,
} from "./job_logic.ts";

const pts = [{ x: 0, y: 0 }, { x: 10, y: 0 }, { x: 10, y: 10 }, { x: 0, y: 10 }];
const ROIS: JobRoi[] = [
  { id: "a", type: "roi", module: "digits", group: "p1", points: pts },
  { id: "b", type: "roi", module: "digits", group: "p2", points: pts },
  { id: "c", type: "roi", module: "", group: "p1", points: pts },
  { id: "p1", type: "page", page: "p1", image: "jpeg", points: pts },
];

Deno.test("selectRois: all, a group, detection with and without a match, and the page transform", () => {
  assert.deepEqual(readableRois(ROIS).map((r) => r.id), ["a", "b"], "no module, no read");
  assert.deepEqual(selectRois(ROIS, "all").rois.map((r) => r.id), ["a", "b"]);
  assert.deepEqual(selectRois(ROIS, "p2"), { group: "p2", rois: [ROIS[1]] });
  assert.deepEqual(selectRois(ROIS, null).rois.map((r) => r.id), ["a", "b"], "no detection");
  assert.deepEqual(selectRois(ROIS, null, { group: "", scores: [] }), { group: "", rois: [] });
  const shifted = selectRois(ROIS, null, {
    group: "p1",
    scores: [{ page: "p1", score: 0.9 }],
    transform: [1, 0, 5, 0, 1, 7, 0, 0, 1],
  });
  assert.equal(shifted.group, "p1");
  assert.deepEqual(shifted.rois.map((r) => r.id), ["a"]);
  assert.deepEqual((shifted.rois[0].points as { x: number }[])[0], { x: 5, y: 7 });
  assert.deepEqual(ROIS[0].points, pts, "the saved ROI is not changed");
});

Deno.test("pagesToDetect: only without a forced group, with templates and a detector", () => {
  assert.deepEqual(pagesToDetect(ROIS, null, true)?.map((r) => r.id), ["p1"]);
  assert.equal(pagesToDetect(ROIS, "all", true), undefined);
  assert.equal(pagesToDetect(ROIS, null, false), undefined);
  assert.equal(pagesToDetect(ROIS.slice(0, 2), null, true), undefined);
});

Deno.test("aggregate: sorted entries, counts, crops, mqtt_config, and answers of removed ROIs dropped", () => {
  const rois: JobRoi[] = [
    { id: "z", type: "roi", module: "digits", page: "P", points: pts, mqtt_config: "ha" },
    { id: "m", type: "roi", module: "digits", group: "g", points: pts },
  ];
  const out = aggregate({
    camId: "c",
    source: "s",
    group: "g",
    frameTime: 10_000,
    now: 10_500,
    rois,
    results: [
      { id: "z", name: "Z", module: "digits", text: "12", value: 12, duration: 0.2 },
      { id: "m", name: "M", module: "digits", text: "", duration: 0.3, error: "deadline" },
    ],
    crops: ["JPEGZ", undefined],
  });
  assert.deepEqual(out.result.results.map((e) => e.id), ["m", "z"]);
  assert.equal(out.ok, 1);
  assert.equal(out.failed, 1);
  assert.equal(out.firstError, "deadline");
  assert.equal(out.result.frame_time, 10);
  assert.equal(out.result.result_time, 10.5);
  assert.equal(out.result.frame_duration, 0.5);
  const z = out.result.results[1];
  assert.equal(z.group, "P", "page name when no group");
  assert.equal(z.mqtt_config, "ha");
  assert.equal(z.image, "JPEGZ");
  assert.equal(z.result_time, 10.2);
  assert.equal(out.result.results[0].image, undefined);
  const kept = aggregate({
    camId: "c",
    source: "s",
    group: "g",
    frameTime: 0,
    now: 0,
    rois,
    results: [
      { id: "z", name: "Z", module: "digits", text: "1", duration: 0 },
      { id: "m", name: "M", module: "digits", text: "2", duration: 0 },
    ],
    keep: new Set(["m"]),
  });
  assert.deepEqual(kept.result.results.map((e) => e.id), ["m"]);
  assert.equal(kept.ok, 1);
});

Deno.test("groupMessage: a forced group or all sends {group, scores: []}; detection its scores; nothing else none", () => {
  assert.deepEqual(groupMessage({ group: "b", rois: [] }), { group: "b", scores: [] });
  assert.deepEqual(groupMessage({ group: "all", rois: [] }), { group: "all", scores: [] });
  assert.equal(groupMessage({ group: "", rois: [] }), undefined);
  const scores = [{ page: "p1", score: 0.2 }];
  assert.deepEqual(groupMessage({ group: "", rois: [] }, { group: "", scores }), {
    group: "",
    scores,
  });
});

Deno.test('toTask: a ROI without a name gives "" as VisionROI did, not its id', () => {
  const points = [{ x: 0, y: 0 }, { x: 1, y: 0 }, { x: 1, y: 1 }, { x: 0, y: 1 }];
  const base = { id: "a_lamp", module: "light_button", points } as unknown as JobRoi;
  assert.equal(toTask({ ...base, name: "" }).name, "");
  assert.equal(toTask(base).name, "");
  assert.equal(toTask({ ...base, name: "Lamp" }).name, "Lamp");
});
