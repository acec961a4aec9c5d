import assert from "node:assert/strict";
import { detectionsText } from "./detections_text.ts";
import { letterboxGeometry, unletterbox } from "./letterbox.ts";
import { parseNamesMetadata, resolveModelFile } from "./model_files.ts";
import { iou, nonMaxSuppression, yoloCandidates } from "./nms.ts";

Deno.test("letterbox fits a wide crop into 640 with equal gray bands above and below", () => {
  const g = letterboxGeometry(1280, 720);
  assert.deepEqual(g, { size: 640, scale: 0.5, width: 640, height: 360, padX: 0, padY: 140 });
  const back = unletterbox({ x: 100, y: 150, width: 200, height: 100 }, g, {
    width: 1280,
    height: 720,
  });
  assert.deepEqual(back, { x: 200, y: 20, width: 400, height: 200 });
});

Deno.test("unletterbox clips boxes that reach into the padding to the crop", () => {
  const g = letterboxGeometry(100, 200);
  assert.equal(g.padX, 160);
  const b = unletterbox({ x: 100, y: -10, width: 500, height: 700 }, g, {
    width: 100,
    height: 200,
  });
  assert.deepEqual(b, { x: 0, y: 0, width: 100, height: 200 });
});

Deno.test("iou of identical, disjoint and half-overlapping boxes", () => {
  const a = { x: 0, y: 0, width: 10, height: 10 };
  assert.equal(iou(a, a), 1);
  assert.equal(iou(a, { x: 20, y: 0, width: 10, height: 10 }), 0);
  assert.equal(iou(a, { x: 5, y: 0, width: 10, height: 10 }), 50 / 150);
});

Deno.test("NMS keeps the best of overlapping same-class boxes and boxes of other classes", () => {
  const box = (x: number) => ({ x, y: 0, width: 10, height: 10 });
  const kept = nonMaxSuppression([
    { classId: 0, score: 0.6, box: box(1) },
    { classId: 0, score: 0.9, box: box(0) },
    { classId: 1, score: 0.5, box: box(0) },
    { classId: 0, score: 0.4, box: box(30) },
  ], 0.45);
  assert.deepEqual(kept.map((k) => [k.classId, k.score]), [[0, 0.9], [1, 0.5], [0, 0.4]]);
});

Deno.test("YOLOv8 output rows are cx, cy, w, h then class scores, one column per anchor", () => {
  // 2 classes, 3 anchors: [1, 6, 3]
  const data = new Float32Array([
    50,
    10,
    0, // cx
    40,
    10,
    0, // cy
    20,
    4,
    0, // w
    10,
    4,
    0, // h
    0.1,
    0.2,
    0.9, // class 0
    0.8,
    0.1,
    0.05, // class 1
  ]);
  const c = yoloCandidates(data, [1, 6, 3], 0.25);
  assert.equal(c.length, 2);
  assert.deepEqual(c[0], {
    classId: 1,
    score: c[0].score,
    box: { x: 40, y: 35, width: 20, height: 10 },
  });
  assert.ok(Math.abs(c[0].score - 0.8) < 1e-6);
  assert.equal(c[1].classId, 0);
});

Deno.test("model paths: absolute as given, relative under <dataDir>/models, no climbing out", () => {
  assert.equal(resolveModelFile("/data", "/opt/m.onnx", "model"), "/opt/m.onnx");
  assert.equal(resolveModelFile("/data", "yolo/m.onnx", "model"), "/data/models/yolo/m.onnx");
  assert.throws(
    () => resolveModelFile("/data", "../secret.onnx", "model"),
    /params\.model: .* leaves/,
  );
  assert.throws(() => resolveModelFile("/data", "a/../../x.onnx", "labels"), /params\.labels/);
  assert.throws(() => resolveModelFile("/data", " ", "model"), /must not be empty/);
});

Deno.test("names metadata and the detection summary", () => {
  assert.deepEqual(parseNamesMetadata("{0: 'person', 1: \"traffic light\"}"), [
    "person",
    "traffic light",
  ]);
  assert.equal(parseNamesMetadata("{1: 'x'}"), undefined);
  assert.equal(detectionsText(["car", "person", "person"]), "person×2, car");
  assert.equal(detectionsText([]), "");
});
