/** A camera's last error reaches /inference_status, /api/dashboard and /source_list; a failed one is not online. */
import assert from "node:assert/strict";
import { testApp } from "./helpers/app.ts";
import { call } from "./helpers/http.ts";
import { makeClip } from "./helpers/media.ts";
import { waitFor } from "./helpers/wait.ts";

Deno.test({
  name: "an unreachable camera shows its reason in status and dashboard and is not counted online",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const t = await testApp();
    try {
      const clip = await makeClip(t.outside, { seconds: 3, name: "ok.mp4" });
      assert.equal(
        (await call(t.app, "POST", "/start_roi_stream/good", { source: clip })).status,
        200,
      );
      const bad = await call(t.app, "POST", "/start_roi_stream/bad", {
        source: "rtsp://127.0.0.1:9/x",
      });
      assert.equal(bad.status, 200, "no first frame yet is not a failure: it keeps retrying");
      const st = await waitFor(async () => {
        const s = (await call(t.app, "GET", "/inference_status/bad")).json;
        return s.camera_error ? s : undefined;
      }, { what: "the reason in /inference_status", timeoutMs: 20_000 });
      assert.match(st.camera_error, /refused|failed|error/i);
      assert.notEqual(st.camera_status, "live");
      assert.equal(st.camera_online, false);
      assert.match(st.camera_id, /^cap_/);
      assert.equal(st.running, false, "VisionROI's fields stay");
      assert.equal(st.cam_id, "bad");
      assert.ok("stream_health" in st);

      const dash = await waitFor(async () => {
        const d = (await call(t.app, "GET", "/api/dashboard")).json;
        const good = d.cameras.find((c: { cam_id: string }) => c.cam_id === "good");
        return good?.camera_status === "live" ? d : undefined;
      }, { what: "the good camera live", timeoutMs: 20_000 });
      const row = dash.cameras.find((c: { cam_id: string }) => c.cam_id === "bad");
      assert.equal(row.roi_running, true);
      assert.equal(row.camera_online, false);
      assert.match(row.camera_error, /refused|failed|error/i);
      assert.equal(dash.summary.total_cameras, 2);
      assert.equal(dash.summary.online_cameras, 1, "only the live camera is online");
      assert.equal(dash.summary.failed_cameras, 1);
    } finally {
      await t.close();
    }
  },
});

Deno.test({
  name: "a source on a missing file shows ffmpeg's reason in its /source_list row",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const t = await testApp();
    try {
      const form = new FormData();
      form.set("name", "gone");
      form.set("source", `${t.outside}/no-such-clip.mp4`);
      assert.equal(
        (await t.app.request("/create_source", { method: "POST", body: form })).status,
        200,
      );
      const snap = await t.app.request("/ws_snapshot/gone");
      assert.equal(snap.status, 503);
      // VisionROI's exact text; the reason travels in a header.
      assert.equal(await snap.text(), "Camera not ready");
      assert.match(snap.headers.get("x-camera-error") ?? "", /No such file or directory/);
      const rows = (await call(t.app, "GET", "/source_list")).json;
      const row = rows.find((r: { name: string }) => r.name === "gone");
      assert.equal(row.camera.status, "failed");
      assert.match(row.camera.last_error, /No such file or directory/);
      const start = await call(t.app, "POST", "/start_roi_stream/g1", { name: "gone" });
      assert.equal(start.status, 400);
      assert.match(start.json.message, /^open_failed: .*No such file or directory/);
    } finally {
      await t.close();
    }
  },
});
