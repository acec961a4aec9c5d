/** Cameras are keyed by what they capture: a cam_id never switches another cam_id's stream. */
import assert from "node:assert/strict";
import sharp from "sharp";
import { startServer } from "./helpers/server.ts";
import { makeClip } from "./helpers/media.ts";
import { post } from "./helpers/http.ts";
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
