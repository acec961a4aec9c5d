import assert from "node:assert/strict";
import { loadCv } from "./cv_loader.ts";
import { cropRoi, frameToMat } from "./roi_crop.ts";
import { validateRoiPolygon } from "./roi_polygon.ts";

/** 200×100 frame: red = x, green = y, blue = 7. */
function gradient() {
  const data = new Uint8Array(200 * 100 * 4);
  for (let y = 0; y < 100; y++) {
    for (let x = 0; x < 200; x++) data.set([x, y, 7, 255], (y * 200 + x) * 4);
  }
  return { width: 200, height: 100, data };
}

Deno.test("an axis-aligned polygon warps to the same pixels with VisionROI's size rule", async () => {
  const { cv } = await loadCv();
  const frame = gradient();
  const mat = frameToMat(cv, frame);
  try {
    const quad = validateRoiPolygon("a", [{ x: 20, y: 10 }, { x: 80, y: 10 }, { x: 80, y: 40 }, {
      x: 20,
      y: 40,
    }], frame);
    const { crop } = cropRoi(cv, mat, { quad, frame });
    assert.deepEqual([crop.width, crop.height], [60, 30]);
    const px = (
      x: number,
      y: number,
    ) => [...crop.data.subarray((y * 60 + x) * 4, (y * 60 + x) * 4 + 4)];
    assert.deepEqual(px(0, 0), [20, 10, 7, 255]);
    // corners map to [W-1, H-1]: the last column is x = 80 exactly
    assert.deepEqual(px(59, 29), [80, 40, 7, 255]);
  } finally {
    mat.delete();
  }
});

Deno.test("a tilted polygon is rectified: the crop's rows follow the polygon's top edge", async () => {
  const { cv } = await loadCv();
  const frame = gradient();
  const mat = frameToMat(cv, frame);
  try {
    // top edge rises 10 px over 100 px; the crop's first row must follow it
    const quad = validateRoiPolygon("t", [{ x: 50, y: 30 }, { x: 150, y: 20 }, { x: 150, y: 70 }, {
      x: 50,
      y: 80,
    }], frame);
    const { crop, surround, surroundRect } = cropRoi(cv, mat, { quad, frame, surround: true });
    assert.deepEqual([crop.width, crop.height], [100, 50]);
    const green = (x: number, y: number) => crop.data[(y * crop.width + x) * 4 + 1];
    assert.equal(green(0, 0), 30);
    assert.equal(green(99, 0), 20);
    assert.ok(surround && surroundRect);
    assert.deepEqual(surroundRect, { x: 50, y: 20, width: 100, height: 60 });
    assert.deepEqual([surround.width, surround.height], [200, 100]);
  } finally {
    mat.delete();
  }
});
