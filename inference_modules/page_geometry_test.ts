import assert from "node:assert/strict";
import {
  compose,
  degenerateReason,
  imageCorners,
  invert,
  mapPoint,
  mapShape,
  type Matrix3,
  rectMapping,
} from "./page_geometry.ts";
import type { Quad } from "./roi_polygon.ts";
import { featureScore } from "./page_matcher.ts";

const TURN: Matrix3 = [0.9, -0.1, 30, 0.1, 0.9, 12, 0.0001, 0, 1];
const near = (a: number, b: number) => Math.abs(a - b) < 1e-6;

Deno.test("a homography composed with its inverse maps points back where they were", () => {
  const round = compose(invert(TURN), TURN);
  for (const p of [{ x: 0, y: 0 }, { x: 640, y: 360 }, { x: -20, y: 900 }]) {
    const q = mapPoint(round, p);
    assert.ok(near(q.x, p.x) && near(q.y, p.y), JSON.stringify(q));
  }
  assert.throws(() => invert([1, 2, 3, 2, 4, 6, 0, 0, 1]), /singular/);
});

Deno.test("a template's pixels map onto its bounding box in the captured frame", () => {
  const m = rectMapping({ x: 40, y: 30, width: 200, height: 100 }, { width: 100, height: 50 });
  assert.deepEqual(mapPoint(m, { x: 100, y: 50 }), { x: 240, y: 130 });
});

Deno.test("ROI shapes follow a page: 4 corners, or a rectangle as 4 corners; junk stays", () => {
  const shift: Matrix3 = [1, 0, 5, 0, 1, -2, 0, 0, 1];
  assert.deepEqual(
    mapShape(shift, [{ x: 1, y: 1 }, { x: 3, y: 1 }, { x: 3, y: 4 }, { x: 1, y: 4 }]),
    [
      { x: 6, y: -1 },
      { x: 8, y: -1 },
      { x: 8, y: 2 },
      { x: 6, y: 2 },
    ],
  );
  assert.deepEqual(mapShape(shift, { x: 0, y: 0, width: 2, height: 2 }), [
    { x: 5, y: -2 },
    { x: 7, y: -2 },
    { x: 7, y: 0 },
    { x: 5, y: 0 },
  ]);
  assert.deepEqual(mapShape(shift, [{ x: 1 }]), [{ x: 1 }]);
  assert.equal(mapShape(shift, "nope"), "nope");
});

Deno.test("degenerate page matches are rejected: mirrored, bow-tie, tiny, extreme scale", () => {
  const tpl = { width: 400, height: 300 }, frame = { width: 1600, height: 900 };
  const project = (m: Matrix3) => imageCorners(tpl).map((p) => mapPoint(m, p)) as Quad;
  assert.equal(degenerateReason(project(TURN), tpl, frame), undefined);
  assert.match(
    degenerateReason(project([-1, 0, 500, 0, 1, 0, 0, 0, 1]), tpl, frame)!,
    /not a convex, unmirrored quad/,
  );
  const bowTie: Quad = [{ x: 0, y: 0 }, { x: 400, y: 300 }, { x: 400, y: 0 }, { x: 0, y: 300 }];
  assert.match(degenerateReason(bowTie, tpl, frame)!, /not a convex/);
  assert.match(
    degenerateReason(project([0.05, 0, 10, 0, 0.05, 10, 0, 0, 1]), tpl, frame)!,
    /tiny/,
  );
  assert.match(
    degenerateReason(project([0.2, 0, 0, 0, 0.2, 0, 0, 0, 1]), { width: 4000, height: 3000 }, {
      width: 100_000,
      height: 100_000,
    })!,
    /tiny|extreme scale/,
  );
  assert.match(
    degenerateReason(project([9, 0, 0, 0, 9, 0, 0, 0, 1]), tpl, { width: 5000, height: 5000 })!,
    /extreme scale/,
  );
});

Deno.test("feature score: chance-level inliers score 0, VisionROI's 0.4 sits at 20 inliers", () => {
  assert.equal(featureScore(0), 0);
  assert.equal(featureScore(6), 0);
  assert.ok(featureScore(19) < 0.4 && featureScore(20) > 0.4);
  assert.ok(featureScore(200) > featureScore(100) && featureScore(1e6) < 1);
});
