/**
 * Slow and stalled WebSocket clients against a real server process: a client that never reads
 * must cost the server a bounded number of bytes (drops counted, then a 1008 close), while a
 * client that reads still gets every result message.
 */
import assert from "node:assert/strict";
import { type Json, post } from "./helpers/http.ts";
import { startServer } from "./helpers/server.ts";
import { openStalledSocket } from "./helpers/raw_ws.ts";
import { waitFor } from "./helpers/wait.ts";

/** Seconds the stalled clients hold their sockets without reading. */
const STALL_RUN_S = 40;
/** The server's grace before it closes a client that reads nothing (`--ws-stall-timeout`). */
const STALL_CLOSE_S = 15;

function rssBytes(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const kb = /VmRSS:\s+(\d+) kB/.exec(status);
  if (!kb) throw new Error(`no VmRSS for ${pid}`);
  return Number(kb[1]) * 1024;
}

/** A reading client that keeps every message and the close. */
function reader(url: string) {
  const ws = new WebSocket(url);
  ws.binaryType = "arraybuffer";
  const messages: (Json | ArrayBuffer)[] = [];
  let closed: { code: number; reason: string } | undefined;
  const opened = new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onerror = () => reject(new Error(`websocket ${url} failed`));
  });
  ws.onmessage = (e) => messages.push(typeof e.data === "string" ? JSON.parse(e.data) : e.data);
  const done = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.onclose = (e) => resolve(closed = { code: e.code, reason: e.reason });
  });
  return { ws, messages, opened, done, closed: () => closed };
}

async function metric(base: string, name: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(name + " "));
  return line ? Number(line.slice(name.length + 1)) : 0;
}

Deno.test({
  name: "clients that never read keep server memory bounded, drops are counted, 1008 closes them",
  sanitizeResources: false,
  sanitizeOps: false,
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    const dir = await Deno.makeTempDir();
    const server = await startServer(`${dir}/data`, [
      "--workers",
      "1",
      "--ws-stall-timeout",
      String(STALL_CLOSE_S),
    ]);
    const ws = server.url.replace("http", "ws");
    const port = Number(new URL(server.url).port);
    const stalled: Awaited<ReturnType<typeof openStalledSocket>>[] = [];
    try {
      // The reading client subscribes before the job starts, so it must see every frame's result.
      const results = reader(`${ws}/ws_roi_result/fast`);
      await results.opened;
      const start = await post(`${server.url}/start_inference/fast`, {
        name: "demo",
        group: "all",
        interval: 0,
      });
      assert.equal(start.status, 200, JSON.stringify(start.json));
      // Warm up both frame streams with reading clients so the baseline includes their code paths.
      for (const path of ["/ws/fast", "/ws_roi/fast"]) {
        const warm = reader(`${ws}${path}`);
        await warm.opened;
        await waitFor(() => warm.messages.length >= 3, { timeoutMs: 30_000, what: `${path}` });
        warm.ws.close();
        await warm.done;
      }
      await waitFor(() => results.messages.length >= 3, { timeoutMs: 30_000, what: "results" });
      const baseline = rssBytes(server.pid);

      for (const path of ["/ws_roi/fast", "/ws/fast", "/ws_roi_result/fast"]) {
        stalled.push(await openStalledSocket(port, path, { rcvbuf: 4096 }));
      }
      assert.ok(stalled[0].receiveBuffer <= 16_384, `rcvbuf ${stalled[0].receiveBuffer}`);
      let peak = baseline;
      const timeline: number[] = [];
      const until = Date.now() + STALL_RUN_S * 1000;
      while (Date.now() < until) {
        await new Promise((r) => setTimeout(r, 1000));
        const now = rssBytes(server.pid);
        timeline.push(Math.round((now - baseline) / 1e6));
        peak = Math.max(peak, now);
      }
      console.log(`RSS growth per second, MB: ${timeline.join(" ")}`);
      const growthMb = (peak - baseline) / 1e6;
      console.log(
        `RSS baseline ${(baseline / 1e6).toFixed(0)} MB, peak +${growthMb.toFixed(1)} MB ` +
          `over ${STALL_RUN_S} s with 3 stalled clients`,
      );
      assert.ok(growthMb < 50, `server RSS grew ${growthMb.toFixed(1)} MB`);

      const base = server.url;
      const dropped = {
        ws: await metric(base, 'visionroi_ws_messages_dropped_total{stream="ws"}'),
        ws_roi: await metric(base, 'visionroi_ws_messages_dropped_total{stream="ws_roi"}'),
        results: await metric(base, "visionroi_ws_result_messages_dropped_total"),
      };
      console.log(`dropped: ${JSON.stringify(dropped)}`);
      assert.ok(dropped.ws > 0 && dropped.ws_roi > 0 && dropped.results > 0, "drops counted");

      for (const [i, s] of stalled.entries()) {
        const close = await s.readUntilClose(30_000);
        assert.equal(close.code, 1008, `stalled client ${i}: ${JSON.stringify(close)}`);
        assert.match(close.reason ?? "", /not reading/);
      }

      // The reading client kept up: it got the result of every frame the job stored.
      assert.equal(results.closed(), undefined, "the reading client is still open");
      const stop = await post(`${server.url}/stop_inference/fast`, {});
      assert.equal(stop.status, 200);
      assert.deepEqual(await results.done, { code: 1000, reason: "stopped" });
      const got = (results.messages as Json[])
        .filter((m) => Array.isArray(m.results))
        .filter((m) => (m.results as Json[]).some((r) => !r.error))
        .map((m) => m.frame_time as number);
      const stored = await waitFor(async () => {
        const r = await fetch(`${server.url}/api/results?format=json&source=demo`);
        const body = await r.json() as { rows: { time: number; cam_id: string }[] };
        const times = [...new Set(body.rows.filter((x) => x.cam_id === "fast").map((x) => x.time))];
        return times.length >= got.length ? times : undefined;
      }, { timeoutMs: 10_000, what: "history rows of every frame" });
      assert.ok(got.length > 20, `only ${got.length} results reached the reading client`);
      assert.deepEqual(got, stored.sort((a, b) => a - b), "the reader got every frame's result");
      assert.deepEqual(got, [...got].sort((a, b) => a - b), "in order");
    } finally {
      for (const s of stalled) s.close();
      await server.kill9();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
