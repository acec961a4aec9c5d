import assert from "node:assert/strict";
import { cropSize, surroundBox, validateRoiPolygon } from "./roi_polygon.ts";

const frame = { width: 640, height: 480 };
const square = [{ x: 10, y: 10 }, { x: 110, y: 10 }, { x: 110, y: 60 }, { x: 10, y: 60 }];

Deno.test("a clockwise 4-point polygon inside the frame is accepted as is", () => {
  assert.deepEqual(validateRoiPolygon("1", square, frame), square);
});

Deno.test("a {x, y, width, height} rectangle becomes TL, TR, BR, BL corners", () => {
  assert.deepEqual(validateRoiPolygon("r", { x: 5, y: 6, width: 10, height: 4 }, frame), [
    { x: 5, y: 6 },
    { x: 15, y: 6 },
    { x: 15, y: 10 },
    { x: 5, y: 10 },
  ]);
});

Deno.test("bad polygons are rejected with a message naming the ROI and the problem", () => {
  const cases: [unknown, string | RegExp][] = [
    [[{ x: 1, y: 1 }, { x: 2, y: 2 }], 'ROI "3": points must have 4 corners, got 2'],
    ["nope", 'ROI "3": points must be an array of 4 {x, y} corners, got "nope"'],
    [undefined, 'ROI "3": points must be an array of 4 {x, y} corners, got nothing'],
    [[...square.slice(0, 3), { x: NaN, y: 5 }], 'ROI "3": corner 4 has a non-finite x (NaN)'],
    [
      [...square.slice(0, 3), { x: 5, y: Infinity }],
      'ROI "3": corner 4 has a non-finite y (Infinity)',
    ],
    [[...square.slice(0, 3), { x: "5", y: 5 }], 'ROI "3": corner 4 has a non-finite x ("5")'],
    [
      [square[0], square[0], square[2], square[3]],
      'ROI "3": corners 1 and 2 coincide (degenerate polygon)',
    ],
    [
      [{ x: 0, y: 0 }, { x: 10, y: 0 }, { x: 20, y: 0 }, { x: 30, y: 0 }],
      /^ROI "3": polygon has zero area/,
    ],
    [
      [{ x: 0, y: 0 }, { x: 10, y: 0 }, { x: 20, y: 0 }, { x: 10, y: 10 }],
      /^ROI "3": corners 1, 2, 3 are collinear/,
    ],
    [[square[0], square[1], square[3], square[2]], /^ROI "3": polygon crosses itself \(bow-tie\)/],
    [
      [{ x: 0, y: 0 }, { x: 100, y: 0 }, { x: 20, y: 20 }, { x: 0, y: 100 }],
      /^ROI "3": polygon is not convex/,
    ],
    [
      [{ x: 600, y: 10 }, { x: 700, y: 10 }, { x: 700, y: 60 }, { x: 600, y: 60 }],
      'ROI "3": corner 2 (x=700, y=10) lies outside the 640×480 frame',
    ],
    [
      [{ x: 900, y: 10 }, { x: 999, y: 10 }, { x: 999, y: 60 }, { x: 900, y: 60 }],
      /whole polygon is outside/,
    ],
    [{ x: 1, y: 1, width: 0, height: 5 }, 'ROI "3": rectangle must have a positive size, got 0×5'],
  ];
  for (const [shape, message] of cases) {
    assert.throws(() => validateRoiPolygon("3", shape, frame), (e: Error) => {
      assert.ok(e instanceof RangeError);
      if (typeof message === "string") assert.equal(e.message, message);
      else assert.match(e.message, message);
      return true;
    });
  }
});

Deno.test("corners up to 1 px outside the frame are tolerated (clicks on the very edge)", () => {
  const edge = [{ x: -1, y: -0.5 }, { x: 641, y: 0 }, { x: 640, y: 481 }, { x: 0, y: 480 }];
  assert.equal(validateRoiPolygon("e", edge, frame).length, 4);
});

Deno.test("crop size is the longest pair of opposite edges, rounded, at least 1", () => {
  const skew = [{ x: 0, y: 0 }, { x: 100, y: 2 }, { x: 98, y: 40 }, { x: 1, y: 38.4 }];
  assert.deepEqual(cropSize(skew as never), { width: 100, height: 38 });
});

Deno.test("the surround widens the box by half its size per side and clamps to the frame", () => {
  const { outer, inner } = surroundBox(square as never, frame);
  assert.deepEqual(outer, { x: 0, y: 0, width: 160, height: 85 });
  assert.deepEqual(inner, { x: 10, y: 10, width: 100, height: 50 });
});
