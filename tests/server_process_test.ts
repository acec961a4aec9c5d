import assert from "node:assert/strict";
import { startServer } from "./helpers/server.ts";
import { ffmpegPidsWith, makeClip, pidAlive } from "./helpers/media.ts";
import { waitFor } from "./helpers/wait.ts";

async function post(url: string, body: unknown): Promise<Record<string, unknown>> {
  const r = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return await r.json();
}

async function createSource(base: string, name: string, source: string, size: [number, number]) {
  const form = new FormData();
  form.set("name", name);
  form.set("source", source);
  form.set("width", String(size[0]));
  form.set("height", String(size[1]));
  form.set("stream_type", "ffmpeg");
  const r = await fetch(`${base}/create_source`, { method: "POST", body: form });
  assert.deepEqual(await r.json(), { status: "created" });
}

async function cameraLive(base: string, camId: string) {
  const r = await (await fetch(`${base}/roi_stream_status/${camId}`)).json();
  return r.running && r.camera?.status === "live" ? r : undefined;
}

Deno.test({
  name: "kill -9 of a server with two cameras running: both run again after a new start",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    const data = `${dir}/data`;
    const clip = await makeClip(dir, { seconds: 3, name: "kill9-clip.mp4" });
    let server = await startServer(data, ["--no-demo"]);
    try {
      await createSource(server.url, "left", clip, [160, 120]);
      await createSource(server.url, "right", clip, [96, 72]);
      assert.equal(
        (await post(`${server.url}/start_roi_stream/a`, { name: "left" })).status,
        "started",
      );
      assert.equal(
        (await post(`${server.url}/start_roi_stream/b`, { name: "right" })).status,
        "started",
      );
      await waitFor(() => cameraLive(server.url, "a"), { what: "a live" });
      await waitFor(() => cameraLive(server.url, "b"), { what: "b live" });
      const state = JSON.parse(await Deno.readTextFile(`${data}/service_state.json`));
      assert.deepEqual(Object.keys(state.cameras).sort(), ["a", "b"]);
      assert.deepEqual(state.cameras.a.resolution, [160, 120]);
      assert.equal(state.cameras.a.active_source, "left");
      assert.equal(state.cameras.b.backend, "ffmpeg");

      await server.kill9();
      // ffmpeg children of a killed parent die on their next write (EPIPE).
      await waitFor(() => ffmpegPidsWith("kill9-clip").length === 0, { what: "orphans gone" });

      server = await startServer(data, ["--no-demo"]);
      const a = await waitFor(() => cameraLive(server.url, "a"), { what: "a live again" });
      const b = await waitFor(() => cameraLive(server.url, "b"), { what: "b live again" });
      assert.equal(a.source, "left");
      assert.equal(b.source, "right");
      assert.deepEqual([a.camera.width, a.camera.height], [160, 120], "same config");
      assert.deepEqual([b.camera.width, b.camera.height], [96, 72], "same config");
      const snap = await fetch(`${server.url}/ws_snapshot/a`);
      assert.equal(snap.headers.get("content-type"), "image/jpeg");
      const jpeg = new Uint8Array(await snap.arrayBuffer());
      assert.deepEqual([...jpeg.slice(0, 2)], [0xff, 0xd8]);
    } finally {
      await server.kill9();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "POST /_quit stops gracefully and leaves no ffmpeg child behind",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    const clip = await makeClip(dir, { seconds: 2, name: "quit-clip.mp4" });
    const server = await startServer(`${dir}/data`);
    try {
      const demo = await fetch(`${server.url}/ws_snapshot/demo`);
      assert.equal(demo.status, 200, "a fresh data dir has the demo camera running");
      await demo.arrayBuffer();
      const started = await post(`${server.url}/start_roi_stream/q`, {
        source: clip,
        width: 64,
        height: 48,
      });
      assert.equal(started.status, "started");
      const pids = await waitFor(() => {
        const p = ffmpegPidsWith("quit-clip");
        return p.length ? p : undefined;
      }, { what: "ffmpeg child" });
      const r = await fetch(`${server.url}/_quit`, { method: "POST" });
      assert.equal(r.status, 202);
      assert.equal(await r.text(), "shutting down");
      const status = await server.exited();
      assert.equal(status.code, 0);
      for (const pid of pids) assert.equal(pidAlive(pid), false, `ffmpeg ${pid} is gone`);
    } finally {
      await server.kill9().catch(() => undefined);
      await Deno.remove(dir, { recursive: true });
    }
  },
});
