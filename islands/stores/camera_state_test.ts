import assert from "node:assert/strict";
import { cameraDown, cameraWords, jobStateParts, shortReason } from "./camera_state.ts";

Deno.test("shortReason keeps ffmpeg's cause of a refused RTSP connection", () => {
  const err = 'Cannot read the video size of "rtsp://127.0.0.1:9/x": [tcp @ 0x5608] Connection ' +
    "to tcp://127.0.0.1:9?timeout=5000000 failed: Connection refused; rtsp://127.0.0.1:9/x: " +
    "Connection refused";
  assert.equal(shortReason(err), "Connection refused");
  assert.equal(
    shortReason('ffmpeg exited with code 1 while reading "/x.mp4": No such file or directory'),
    "No such file or directory",
  );
  assert.equal(shortReason("stalled: no frame for 10 s"), "no frame for 10 s");
  assert.equal(shortReason("boom"), "boom");
  assert.equal(shortReason(null), "");
  assert.ok(shortReason("x".repeat(500)).length <= 140);
});

Deno.test("cameraWords says what is wrong and since when", () => {
  assert.equal(cameraWords("failed", "open: Connection refused"), "failed: Connection refused");
  assert.equal(cameraWords("restarting", "a: Connection refused"), "retrying: Connection refused");
  assert.match(cameraWords("stalled", null, 1_700_000_000), /^stalled since \d\d:\d\d:\d\d$/);
  assert.equal(cameraWords("live", null), "live");
  assert.ok(cameraDown("failed") && cameraDown("stalled") && !cameraDown("live"));
});

Deno.test("jobStateParts splits a job state word from its reason", () => {
  assert.deepEqual(jobStateParts("waiting_for_camera: a: b"), {
    kind: "waiting_for_camera",
    reason: "a: b",
  });
  assert.deepEqual(jobStateParts("no_rois"), { kind: "no_rois", reason: "" });
});
