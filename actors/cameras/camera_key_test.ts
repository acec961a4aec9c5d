import assert from "node:assert/strict";
import { cameraIdFor, captureKey, normalizeSpec } from "./camera_key.ts";

Deno.test("the same capture written two ways gets one camera id", () => {
  const a = cameraIdFor({ source: " ./clips/../clips/a.mp4 ", width: 640, height: 480 });
  const b = cameraIdFor({ source: "clips/a.mp4", width: 640, height: 480, streamType: "ffmpeg" });
  assert.equal(a, b);
  assert.equal(
    cameraIdFor({ source: "RTSP://cam.local/live" }),
    cameraIdFor({ source: "rtsp://cam.local/live" }),
  );
  assert.match(a, /^cap_[0-9a-f]{16}$/);
});

Deno.test("another source, size or fps is another camera", () => {
  const base = { source: "/data/a.png", width: 320, height: 240, fps: 5 };
  const ids = new Set([
    cameraIdFor(base),
    cameraIdFor({ ...base, source: "/data/b.png" }),
    cameraIdFor({ ...base, width: 1477 }),
    cameraIdFor({ ...base, height: 1108 }),
    cameraIdFor({ ...base, fps: 10 }),
    cameraIdFor({ source: "/data/a.png" }),
  ]);
  assert.equal(ids.size, 6);
});

Deno.test("camera ids carry no credentials of the source URL", () => {
  const id = cameraIdFor({ source: "rtsp://admin:secret@10.0.0.5/stream" });
  assert.doesNotMatch(id, /secret|admin/);
  assert.equal(normalizeSpec({ source: "0" }).source, "0");
  assert.equal(normalizeSpec({ source: "demo" }).source, "demo");
  assert.equal(captureKey({ source: "a.png", width: 0 }), captureKey({ source: "a.png" }));
});

Deno.test("low latency is another capture for a live source only; off keeps the old id", () => {
  const rtsp = { source: "rtsp://cam.local/live", width: 640, height: 360 };
  assert.notEqual(cameraIdFor({ ...rtsp, lowLatency: true }), cameraIdFor(rtsp));
  assert.equal(cameraIdFor({ ...rtsp, lowLatency: false }), cameraIdFor(rtsp));
  assert.equal(
    captureKey(rtsp),
    JSON.stringify(["rtsp://cam.local/live", 640, 360, null]),
    "ids of captures without low latency are unchanged",
  );
  const file = { source: "clips/a.mp4" };
  assert.equal(cameraIdFor({ ...file, lowLatency: true }), cameraIdFor(file), "a file: no change");
});
