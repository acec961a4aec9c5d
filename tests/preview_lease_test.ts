/** A `roi_*` preview lives while its page holds it; a killed browser's stream stops and stays stopped. */
import assert from "node:assert/strict";
import { startServer } from "./helpers/server.ts";
import { ffmpegPidsWith, makeClip } from "./helpers/media.ts";
import { post } from "./helpers/http.ts";
import { waitFor } from "./helpers/wait.ts";

async function running(base: string, camId: string): Promise<boolean> {
  return (await (await fetch(`${base}/roi_stream_status/${camId}`)).json()).running;
}

Deno.test({
  name: "a roi_* preview without heartbeat stops after the lease, its ffmpeg ends, not restored",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    const data = `${dir}/data`;
    const orphan = await makeClip(dir, { seconds: 3, name: "orphan-clip.mp4" });
    const kept = await makeClip(dir, { seconds: 3, name: "kept-clip.mp4" });
    let server = await startServer(data, ["--no-demo", "--preview-lease", "3"]);
    let beating = true;
    let beats: Promise<void> | undefined;
    try {
      // The held one starts first: had the heartbeat no effect, it would expire first too.
      const held = await post(`${server.url}/start_roi_stream/roi_kept`, { source: kept });
      assert.equal(held.json.status, "started");
      beats = (async () => {
        while (beating) {
          const r = await post(`${server.url}/roi_stream_heartbeat/roi_kept`, {});
          assert.equal(r.status, 200);
          assert.equal(r.json.status, "held");
          await new Promise((r) => setTimeout(r, 300));
        }
      })();
      const left = await post(`${server.url}/start_roi_stream/roi_orphan`, { source: orphan });
      assert.equal(left.json.status, "started");
      assert.equal(ffmpegPidsWith(orphan).length, 1, "the orphan's ffmpeg runs");

      await waitFor(async () => !(await running(server.url, "roi_orphan")), {
        what: "the unheld preview stopped",
        timeoutMs: 30_000,
      });
      assert.equal(await running(server.url, "roi_kept"), true, "the held preview still runs");
      await waitFor(() => ffmpegPidsWith(orphan).length === 0, { what: "its ffmpeg ended" });
      const state = JSON.parse(await Deno.readTextFile(`${data}/service_state.json`));
      assert.deepEqual(Object.keys(state.cameras), ["roi_kept"]);
      const gone = await post(`${server.url}/roi_stream_heartbeat/roi_orphan`, {});
      assert.equal(gone.status, 404);
      assert.equal(gone.json.status, "no_task");

      beating = false;
      await beats;
      await server.kill9();
      server = await startServer(data, ["--no-demo", "--preview-lease", "3"]);
      assert.equal(await running(server.url, "roi_orphan"), false, "not restored");
      assert.equal(await running(server.url, "roi_kept"), true, "restored, with a fresh lease");
    } finally {
      beating = false;
      await beats?.catch(() => {});
      await server.kill9();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "an open /ws_roi socket holds a roi_* preview; closing it lets the lease run out",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    const clip = await makeClip(dir, { seconds: 3, name: "ws-clip.mp4" });
    const other = await makeClip(dir, { seconds: 3, name: "ws-other.mp4" });
    const server = await startServer(`${dir}/data`, ["--no-demo", "--preview-lease", "3"]);
    try {
      assert.equal(
        (await post(`${server.url}/start_roi_stream/roi_sock`, { source: clip })).json.status,
        "started",
      );
      const ws = new WebSocket(`${server.url.replace("http", "ws")}/ws_roi/roi_sock`);
      ws.binaryType = "arraybuffer";
      await new Promise<void>((resolve, reject) => {
        ws.onmessage = () => resolve();
        ws.onerror = () => reject(new Error("socket failed"));
      });
      // Started after the socket opened: it expires before the socket's stream would, were it unheld.
      assert.equal(
        (await post(`${server.url}/start_roi_stream/roi_alone`, { source: other })).json.status,
        "started",
      );
      await waitFor(async () => !(await running(server.url, "roi_alone")), {
        what: "the unheld preview stopped",
        timeoutMs: 30_000,
      });
      assert.equal(await running(server.url, "roi_sock"), true, "held by its socket");
      const lease = (await (await fetch(`${server.url}/roi_stream_status/roi_sock`)).json()).lease;
      assert.deepEqual([lease.holders, lease.expires_at], [1, null]);
      const closed = new Promise((r) => (ws.onclose = r));
      ws.close();
      await closed;
      await waitFor(async () => !(await running(server.url, "roi_sock")), {
        what: "stopped after the socket closed",
        timeoutMs: 30_000,
      });
      await waitFor(() => ffmpegPidsWith(clip).length === 0, { what: "its ffmpeg ended" });
    } finally {
      await server.kill9();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
