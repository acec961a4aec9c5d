/** Cameras are keyed by what they capture: a cam_id never switches another cam_id's stream. */
import assert from "node:assert/strict";
import sharp from "sharp";
import { startServer } from "./helpers/server.ts";
import { makeClip } from "./helpers/media.ts";
import { call, post } from "./helpers/http.ts";
import { testApp } from "./helpers/app.ts";
import { waitFor } from "./helpers/wait.ts";

async function snapshotSize(base: string, camId: string): Promise<[number, number]> {
  const r = await fetch(`${base}/ws_snapshot/${camId}`);
  assert.equal(r.status, 200, `snapshot of ${camId}`);
  const meta = await sharp(new Uint8Array(await r.arrayBuffer())).metadata();
  return [meta.width!, meta.height!];
}

async function status(base: string, camId: string) {
  return await (await fetch(`${base}/roi_stream_status/${camId}`)).json();
}

Deno.test({
  name: "two cam_ids posting one name with different sources keep independent frames and sizes",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    const big = await makeClip(dir, { width: 480, height: 360, seconds: 3, name: "big.mp4" });
    const small = await makeClip(dir, { width: 320, height: 240, seconds: 3, name: "small.mp4" });
    const server = await startServer(`${dir}/data`, ["--no-demo"]);
    try {
      const a = await post(`${server.url}/start_roi_stream/A`, { name: "x", source: big });
      assert.equal(a.json.status, "started");
      await waitFor(async () => (await status(server.url, "A")).camera?.status === "live", {
        what: "A live",
        timeoutMs: 20_000,
      });
      assert.deepEqual(await snapshotSize(server.url, "A"), [480, 360]);

      const b = await post(`${server.url}/start_roi_stream/B`, { name: "x", source: small });
      assert.equal(b.json.status, "started");
      await waitFor(async () => (await status(server.url, "B")).camera?.status === "live", {
        what: "B live",
        timeoutMs: 20_000,
      });
      assert.deepEqual(await snapshotSize(server.url, "B"), [320, 240]);
      assert.deepEqual(await snapshotSize(server.url, "A"), [480, 360], "A was not switched");

      const stA = await status(server.url, "A");
      const stB = await status(server.url, "B");
      assert.notEqual(stA.camera.id, stB.camera.id);
      assert.equal(stA.camera.restarts, 0, "A's camera was not restarted by B");
      assert.equal(stA.source, "x");
      assert.equal(stB.source, "x");

      // A third cam_id asking for A's capture shares A's camera; stopping it leaves A running.
      const c = await post(`${server.url}/start_roi_stream/C`, { name: "y", source: big });
      assert.equal(c.json.status, "started");
      assert.equal((await status(server.url, "C")).camera.id, stA.camera.id);
      assert.equal((await post(`${server.url}/stop_roi_stream/C`, {})).json.status, "stopped");
      assert.deepEqual(await snapshotSize(server.url, "A"), [480, 360]);
      assert.equal((await status(server.url, "A")).camera.status, "live");
    } finally {
      await server.kill9();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "editing a saved source moves its previews to the new capture; another cam_id keeps its own",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const t = await testApp();
    try {
      const a = `${t.outside}/a.png`;
      const b = `${t.outside}/b.png`;
      const gray = { r: 128, g: 128, b: 128 };
      await sharp({ create: { width: 200, height: 150, channels: 3, background: gray } }).png()
        .toFile(a);
      await sharp({ create: { width: 96, height: 64, channels: 3, background: gray } }).png()
        .toFile(b);
      const form = new FormData();
      form.set("name", "line");
      form.set("source", a);
      assert.equal(
        (await t.app.request("/create_source", { method: "POST", body: form })).status,
        200,
      );
      assert.equal(
        (await call(t.app, "POST", "/start_roi_stream/p1", { name: "line" })).status,
        200,
      );
      assert.equal(
        (await call(t.app, "POST", "/start_roi_stream/p2", { name: "mine", source: a })).status,
        200,
      );
      const before = (await call(t.app, "GET", "/roi_stream_status/p1")).json.camera.id;
      assert.equal((await call(t.app, "GET", "/roi_stream_status/p2")).json.camera.id, before);

      const upd = await call(t.app, "PATCH", "/update_source/line", { source: b });
      assert.equal(upd.json.status, "updated");
      const p1 = (await call(t.app, "GET", "/roi_stream_status/p1")).json;
      const p2 = (await call(t.app, "GET", "/roi_stream_status/p2")).json;
      assert.notEqual(p1.camera.id, before, "p1 follows its source");
      assert.equal(p2.camera.id, before, "p2 asked for a.png itself and keeps it");
      const size = async (camId: string) => {
        const r = await t.app.request(`/ws_snapshot/${camId}`);
        assert.equal(r.status, 200);
        const m = await sharp(new Uint8Array(await r.arrayBuffer())).metadata();
        return [m.width, m.height];
      };
      assert.deepEqual(await size("p1"), [96, 64]);
      assert.deepEqual(await size("p2"), [200, 150]);
      assert.deepEqual(t.system.cameras.holders(before), ["preview:p2"]);
      const rows = (await call(t.app, "GET", "/source_list")).json;
      assert.equal(rows[0].camera.status, "live", "the row shows the camera of its capture");
    } finally {
      await t.close();
    }
  },
});
