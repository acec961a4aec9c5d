/**
 * VisionROI's WebSocket behaviour seen by its clients and by this UI's store: a video socket on a
 * cam_id where nothing runs closes 1012 `stream_outage`; a stop closes 1000 `stopped`; a page still
 * open (another tab) reattaches when the job is started again; a forced-group job sends
 * `{group, scores}` every frame.
 */
import assert from "node:assert/strict";
import { createSource, post } from "./helpers/http.ts";
import { startServer } from "./helpers/server.ts";
import { panelRois, writePanelPng } from "./helpers/panel.ts";
import { waitFor } from "./helpers/wait.ts";
import { openLiveSocket, type SocketState } from "../islands/stores/live_socket.ts";

/** Resolves with the close code and reason of a socket on `url`. */
function closeOf(url: string): Promise<{ code: number; reason: string }> {
  const ws = new WebSocket(url);
  return new Promise((
    resolve,
  ) => (ws.onclose = (e) => resolve({ code: e.code, reason: e.reason })));
}

Deno.test({
  name:
    "/ws on an idle cam_id closes 1012 stream_outage; a stopped job's tab reattaches on restart",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    await writePanelPng(`${dir}/panel.png`, 0);
    const server = await startServer(`${dir}/data`, ["--no-demo", "--workers", "1"]);
    const closers: (() => void)[] = [];
    try {
      const ws = server.url.replace("http", "ws");
      assert.deepEqual(await closeOf(`${ws}/ws/nobody`), { code: 1012, reason: "stream_outage" });
      assert.deepEqual(await closeOf(`${ws}/ws_roi/nobody`), {
        code: 1012,
        reason: "stream_outage",
      });

      await createSource(server.url, "panel", `${dir}/panel.png`);
      const rois = panelRois().map((r) => ({ ...r, group: "g1" }));
      assert.equal((await post(`${server.url}/save_roi`, { source: "panel", rois })).status, 200);
      const start = () => post(`${server.url}/start_inference/j1`, { name: "panel", group: "g1" });
      assert.equal((await start()).json.status, "started");

      // The second tab: the UI's own stores on the result and video sockets.
      const origin = { protocol: "http:", host: new URL(server.url).host };
      const text: string[] = [];
      const frames: number[] = [];
      const states: SocketState[] = [];
      closers.push(openLiveSocket("/ws_roi_result/j1", {
        origin,
        onMessage: (d) => typeof d === "string" && text.push(d),
        onState: (s) => states.push(s),
      }));
      closers.push(openLiveSocket("/ws/j1", { origin, onMessage: () => frames.push(Date.now()) }));
      await waitFor(() => text.some((m) => JSON.parse(m).results) && frames.length > 0, {
        timeoutMs: 30_000,
        what: "results and frames of the first run",
      });
      const groups = text.map((m) => JSON.parse(m)).filter((m) => !m.results);
      assert.ok(groups.length > 0, "the forced-group job sends group messages");
      assert.deepEqual(groups[0], { group: "g1", scores: [] });

      assert.equal((await post(`${server.url}/stop_inference/j1`, {})).json.status, "stopped");
      await waitFor(() => states.includes("stopped"), { what: "the stop seen by the tab" });
      const [textBefore, framesBefore] = [text.length, frames.length];
      assert.equal((await start()).json.status, "started");
      await waitFor(
        () =>
          text.slice(textBefore).some((m) => JSON.parse(m).results) &&
          frames.length > framesBefore,
        { timeoutMs: 30_000, what: "results and frames after the restart, on the same page" },
      );
    } finally {
      for (const close of closers) close();
      await server.kill9();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
