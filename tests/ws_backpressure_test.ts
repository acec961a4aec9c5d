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
import { demoRois } from "../actors/frame_sources/demo.ts";

/** Seconds the stalled clients hold their sockets without reading. */
const STALL_RUN_S = 30;
/** The server's grace before it closes a client that reads nothing (`--ws-stall-timeout`). */
const STALL_CLOSE_S = 10;
/** Bytes held per client (`--ws-buffer`): small, so that the slower streams fill it within the run. */
const WS_BUFFER = 256 * 1024;

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
  name:
    "clients that never read keep server memory bounded, are dropped for and closed; a reader gets every result",
  sanitizeResources: false,
  sanitizeOps: false,
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    const dir = await Deno.makeTempDir();
    const server = await startServer(`${dir}/data`, [
      "--no-demo",
      "--workers",
      "1",
      "--ws-buffer",
      String(WS_BUFFER),
      "--ws-stall-timeout",
      String(STALL_CLOSE_S),
    ], {
      // A small old space makes V8 collect garbage (frame buffers, encodes) every few seconds, so
      // RSS shows what is held, not how long the collector waited (tens of MB of sawtooth else).
      denoArgs: ["--v8-flags=--max-old-space-size=160"],
    });
    const ws = server.url.replace("http", "ws");
    const port = Number(new URL(server.url).port);
    const stalled: Awaited<ReturnType<typeof openStalledSocket>>[] = [];
    try {
      // A demo source at 640×360 (no full-size demo job beside it): the server allocates a frame
      // buffer per second whose release waits for a major GC; at 1280×720 that alone moves RSS
      // by 100+ MB within a minute and would hide what the sockets hold.
      const form = new FormData();
      for (const [k, v] of Object.entries({ name: "small", source: "demo", width: "640" })) {
        form.set(k, v);
      }
      form.set("height", "360");
      const created = await fetch(`${server.url}/create_source`, { method: "POST", body: form });
      assert.deepEqual(await created.json(), { status: "created" });
      const rois = demoRois("small").map((r) => ({
        ...r,
        points: r.points.map((p) => ({ x: p.x / 2, y: p.y / 2 })),
      }));
      // The reading client subscribes before the job starts, so it must see every frame's result.
      const results = reader(`${ws}/ws_roi_result/fast`);
      await results.opened;
      const start = await post(`${server.url}/start_inference/fast`, {
        name: "small",
        rois,
        group: "all",
        interval: 0,
      });
      assert.equal(start.status, 200, JSON.stringify(start.json));
      // Reading clients on both frame streams for the whole test: the first seconds of continuous
      // JPEG encoding grow the process (sharp's threads and their allocator arenas) whoever reads,
      // so they belong in the baseline, not in what the stalled clients cost.
      const viewers = ["/ws/fast", "/ws_roi/fast"].map((path) => reader(`${ws}${path}`));
      for (const v of viewers) {
        await v.opened;
        await waitFor(() => v.messages.length >= 3, { timeoutMs: 30_000, what: "frames" });
      }
      await waitFor(() => results.messages.length >= 3, { timeoutMs: 30_000, what: "results" });
      // A fresh server grows for its first seconds of work (caches, history, heap); the baseline is
      // taken once that settled: under 3 MB in the last 4 s, or after 25 s.
      const warm: number[] = [];
      await waitFor(() => {
        warm.push(rssBytes(server.pid));
        return warm.length >= 25 || (warm.length >= 5 && warm.at(-1)! - warm.at(-5)! < 3e6);
      }, { everyMs: 1000, timeoutMs: 60_000, what: "a settled RSS" });
      const baseline = rssBytes(server.pid);
      console.log(`warm-up RSS, MB: ${warm.map((b) => Math.round(b / 1e6)).join(" ")}`);

      const paths = ["/ws_roi/fast", "/ws/fast", "/ws_roi_result/fast"];
      for (const path of paths) stalled.push(await openStalledSocket(port, path, { rcvbuf: 4096 }));
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
      const growthMb = (peak - baseline) / 1e6;
      console.log(`RSS growth per second, MB: ${timeline.join(" ")}`);
      console.log(
        `RSS baseline ${(baseline / 1e6).toFixed(0)} MB, peak +${growthMb.toFixed(1)} MB ` +
          `over ${STALL_RUN_S} s with ${stalled.length} stalled clients`,
      );
      assert.ok(growthMb < 50, `server RSS grew ${growthMb.toFixed(1)} MB`);

      // /ws_roi (raw JPEG, the largest stream) fills the kernel's send buffer (~2.8 MB on
      // loopback, whatever the peer's window) and its sender's cap within the run: its oldest
      // frames drop, counted, and the client is closed with 1008. What it finally reads is what
      // the server held for it: the sender's bytes plus the kernel's buffer, not the whole run.
      const dropped = {
        ws: await metric(server.url, 'visionroi_ws_messages_dropped_total{stream="ws"}'),
        ws_roi: await metric(server.url, 'visionroi_ws_messages_dropped_total{stream="ws_roi"}'),
        results: await metric(server.url, "visionroi_ws_result_messages_dropped_total"),
      };
      console.log(`dropped: ${JSON.stringify(dropped)}`);
      assert.ok(dropped.ws_roi > 0, "/ws_roi drops counted");
      const wmemMax = Number(Deno.readTextFileSync("/proc/sys/net/ipv4/tcp_wmem").split(/\s+/)[2]);
      const close = await stalled[0].readUntilClose(30_000);
      console.log(
        `/ws_roi stalled client: ${close.bytes} bytes, ${close.frames} frames, then ` +
          `${close.code} ${close.reason}`,
      );
      // Closed either by the sender (1008 after STALL_CLOSE_S without a drain once the kernel's
      // buffer is full) or, whichever comes first, by Deno's own keepalive: an unanswered ping
      // closes with 1001 about 30 s after the client stopped reading.
      const ours = close.code === 1008 &&
        /^client not reading: nothing drained for \d+ s, \d+ messages dropped$/.test(close.reason!);
      const deno = close.code === 1001 && /ping/.test(close.reason!);
      assert.ok(ours || deno, JSON.stringify(close));
      assert.ok(close.bytes <= WS_BUFFER + wmemMax + 65_536, `${close.bytes} bytes`);

      for (const v of viewers) {
        assert.equal(v.closed(), undefined, "a reading viewer stays open");
        assert.ok(v.messages.length > 3 * STALL_RUN_S, `a viewer got ${v.messages.length} frames`);
        v.ws.close();
      }
      // The reading result client kept up: it got the result of every frame the job stored.
      assert.equal(results.closed(), undefined, "the reading client is still open");
      const stop = await post(`${server.url}/stop_inference/fast`, {});
      assert.equal(stop.status, 200);
      assert.deepEqual(await results.done, { code: 1000, reason: "stopped" });
      const got = (results.messages as Json[])
        .filter((m) => Array.isArray(m.results))
        .filter((m) => (m.results as Json[]).some((r) => !r.error))
        .map((m) => m.frame_time as number);
      const stored = await waitFor(async () => {
        const r = await fetch(`${server.url}/api/results?format=json&source=small`);
        const body = await r.json() as { rows: { time: number; cam_id: string }[] };
        const times = [...new Set(body.rows.filter((x) => x.cam_id === "fast").map((x) => x.time))];
        return times.length >= got.length ? times : undefined;
      }, { timeoutMs: 10_000, what: "history rows of every frame" });
      assert.ok(got.length > 3 * STALL_RUN_S, `only ${got.length} results reached the reader`);
      assert.deepEqual(got, stored.sort((a, b) => a - b), "the reader got every frame's result");
      assert.deepEqual(got, [...got].sort((a, b) => a - b), "in order");
    } finally {
      for (const s of stalled) s.close();
      await server.kill9();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
