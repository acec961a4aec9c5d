import assert from "node:assert/strict";
import { createSource, post } from "./helpers/http.ts";
import { startServer } from "./helpers/server.ts";
import { panelRois, writePanelPng } from "./helpers/panel.ts";
import { waitFor } from "./helpers/wait.ts";

type Json = Record<string, unknown>;

/** A WebSocket client that records every message and how it closed. */
function listen(url: string) {
  const ws = new WebSocket(url);
  const messages: Json[] = [];
  let closed: { code: number; reason: string } | undefined;
  const opened = new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onerror = () => reject(new Error(`websocket ${url} failed`));
  });
  ws.onmessage = (e) => messages.push(JSON.parse(e.data));
  const done = new Promise<void>((resolve) => {
    ws.onclose = (e) => {
      closed = { code: e.code, reason: e.reason };
      resolve();
    };
  });
  return { ws, messages, opened, done, closed: () => closed };
}

function texts(msg: Json): Record<string, string> {
  const results = msg.results as { id: string; text: string }[];
  return Object.fromEntries(results.map((r) => [r.id, r.text]));
}

Deno.test({
  name: "a job on an image source: two WebSocket clients get the same results; reconfigure; stop",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    const expected = await writePanelPng(`${dir}/panel.png`, 0);
    const server = await startServer(`${dir}/data`, ["--no-demo", "--workers", "2"]);
    try {
      await createSource(server.url, "panel", `${dir}/panel.png`);
      const saved = await post(`${server.url}/save_roi`, { source: "panel", rois: panelRois() });
      assert.equal(saved.status, 200, JSON.stringify(saved.json));
      // No inline ROIs: the job reads the saved rois.json.
      const start = await post(`${server.url}/start_inference/line1`, {
        name: "panel",
        group: "all",
        interval: 0,
      });
      assert.equal(start.status, 200, JSON.stringify(start.json));
      assert.deepEqual(start.json, { status: "started", cam_id: "line1" });
      const wsUrl = server.url.replace("http", "ws") + "/ws_roi_result/line1";
      const a = listen(wsUrl);
      const b = listen(wsUrl);
      await Promise.all([a.opened, b.opened]);
      const both = await waitFor(() => {
        // A frame whose read began before both sockets subscribed carries no crops: skip those.
        const withCrops = (m: Json) => (m.results as Json[] | undefined)?.[0]?.image;
        const inA = a.messages.filter(withCrops);
        const common = inA.find((m) => b.messages.some((n) => n.frame_time === m.frame_time));
        return common;
      }, { timeoutMs: 30_000, what: "a result both clients received" });
      const twin = b.messages.find((m) => m.frame_time === both.frame_time)!;
      assert.deepEqual(texts(twin), texts(both), "both clients got the same result");
      assert.deepEqual(texts(both), expected);
      const first = (both.results as Json[])[0];
      assert.equal(both.cam_id, "line1");
      assert.equal(both.source, "panel");
      assert.equal(both.group, "all");
      assert.equal(first.cam_id, "line1");
      assert.equal(typeof first.duration, "number");
      assert.ok(
        typeof first.image === "string" && (first.image as string).length > 100,
        "crop image",
      );

      // Reconfigure the running job: only the temperature ROI now.
      const again = await post(`${server.url}/start_inference/line1`, {
        rois: panelRois().filter((r) => r.id === "temperature"),
      });
      assert.deepEqual(again.json, { status: "already_running", cam_id: "line1" });
      const since = a.messages.length;
      await waitFor(() => {
        const later = a.messages.slice(since).filter((m) => m.results);
        return later.some((m) => Object.keys(texts(m)).join() === "temperature");
      }, { timeoutMs: 20_000, what: "results with only the temperature ROI" });

      const status = await (await fetch(`${server.url}/inference_status/line1`)).json();
      assert.equal(status.running, true);
      assert.equal(status.source, "panel");
      assert.equal(status.stream_health.state, "active");

      const dash = await (await fetch(`${server.url}/api/dashboard`)).json();
      assert.equal(dash.summary.inference_running, 1);
      assert.equal(dash.summary.total_cameras, 1);
      const row = dash.cameras.find((c: Json) => c.cam_id === "line1");
      assert.equal(row.status, "inference");
      assert.equal(row.roi_count, 1);
      assert.ok(row.alerts_count > 0, "recent results counted");
      assert.ok(dash.roi_metrics.module_details.some((m: Json) => m.name === "digits"));

      const stop = await post(`${server.url}/stop_inference/line1`, {});
      assert.deepEqual(stop.json, { status: "stopped", cam_id: "line1" });
      await Promise.all([a.done, b.done]);
      assert.deepEqual(a.closed(), { code: 1000, reason: "stopped" });
      assert.deepEqual(b.closed(), { code: 1000, reason: "stopped" });
      const after = await (await fetch(`${server.url}/inference_status/line1`)).json();
      assert.equal(after.running, false);
      const stopAgain = await post(`${server.url}/stop_inference/line1`, {});
      assert.deepEqual(stopAgain.json, { status: "no_task", cam_id: "line1" });
    } finally {
      await server.kill9();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "kill -9 with two jobs running: both run again after a new start, with their ROIs",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    await writePanelPng(`${dir}/panel.png`, 7);
    const data = `${dir}/data`;
    let server = await startServer(data, ["--no-demo", "--workers", "1"]);
    try {
      await createSource(server.url, "panel", `${dir}/panel.png`);
      const lamp = panelRois().filter((r) => r.id === "pump_lamp");
      const temp = panelRois().filter((r) => r.id === "temperature");
      assert.equal(
        (await post(`${server.url}/start_inference/j1`, {
          name: "panel",
          rois: lamp,
          group: "all",
        })).json.status,
        "started",
      );
      assert.equal(
        (await post(`${server.url}/start_inference/j2`, {
          name: "panel",
          rois: temp,
          group: "all",
          interval: 2,
        })).json.status,
        "started",
      );
      const running = async (camId: string) => {
        const s = await (await fetch(`${server.url}/inference_status/${camId}`)).json();
        return s.running && s.job?.frames_processed > 0 ? s : undefined;
      };
      await waitFor(() => running("j1"), { what: "j1 reading", timeoutMs: 30_000 });
      await waitFor(() => running("j2"), { what: "j2 reading", timeoutMs: 30_000 });
      const cams = await (await fetch(`${server.url}/api/cameras`)).json();
      assert.equal(cams.length, 1, "two jobs on one source share one camera");
      assert.deepEqual(cams[0].holders.sort(), ["job:j1", "job:j2"]);
      await server.kill9();
      server = await startServer(data, ["--no-demo", "--workers", "1"]);
      const j1 = await waitFor(() => running("j1"), { what: "j1 back", timeoutMs: 30_000 });
      const j2 = await waitFor(() => running("j2"), { what: "j2 back", timeoutMs: 30_000 });
      assert.equal(j1.group, "all");
      assert.equal(j2.job.interval, 2, "same interval");
      assert.equal(j2.source, "panel");
      const ws = listen(server.url.replace("http", "ws") + "/ws_roi_result/j2");
      await ws.opened;
      const msg = await waitFor(() => ws.messages.find((m) => m.results), {
        timeoutMs: 20_000,
        what: "a j2 result",
      });
      assert.deepEqual(
        Object.keys(texts(msg)),
        ["temperature"],
        "inline ROIs survived the restart",
      );
      ws.ws.close();
      await ws.done;
    } finally {
      await server.kill9();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
