/**
 * `low_latency` end to end: a preview of a real HTTP stream (a local server, read by real ffmpeg)
 * runs ffmpeg with the low-latency input flags, stores `roi_low_latency` and `backend: "ffmpeg"`,
 * and a preview switched to stable mode runs ffmpeg without them. Bad values are a 400.
 */
import assert from "node:assert/strict";
import { call } from "./helpers/http.ts";
import { testApp } from "./helpers/app.ts";
import { makeClip } from "./helpers/media.ts";
import { waitFor } from "./helpers/wait.ts";

const T = { sanitizeResources: false, sanitizeOps: false };

/** Command lines of running ffmpeg processes that read `needle`. */
function ffmpegArgsWith(needle: string): string[][] {
  const found: string[][] = [];
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      const cmd = Deno.readTextFileSync(`/proc/${e.name}/cmdline`).split("\0");
      if (cmd[0]?.endsWith("ffmpeg") && cmd.some((a) => a.includes(needle))) found.push(cmd);
    } catch {
      continue; // the process ended while we looked
    }
  }
  return found;
}

Deno.test({
  ...T,
  name: "low_latency: a preview of an HTTP stream runs ffmpeg unbuffered and stores the flag",
  fn: async () => {
    const t = await testApp();
    const clip = await makeClip(t.outside, {
      name: "live.ts",
      seconds: 20,
      width: 160,
      height: 120,
    });
    const bytes = await Deno.readFile(clip);
    // Each request records how the ffmpeg reading it was started (it is alive while it asks).
    const seen: string[][] = [];
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
      seen.push(...ffmpegArgsWith(new URL(req.url).pathname));
      return new Response(bytes, { headers: { "content-type": "video/mp2t" } });
    });
    const url = `http://127.0.0.1:${server.addr.port}/live-${crypto.randomUUID()}.ts`;
    const cameraOf = () => t.system.sessions.cameraOf("door")!;
    const state = async () =>
      JSON.parse(await Deno.readTextFile(`${t.dataDir}/service_state.json`)).cameras.door;
    try {
      const bad = await call(t.app, "POST", "/start_roi_stream/door", {
        source: url,
        low_latency: "maybe",
      });
      assert.equal(bad.status, 400);
      assert.match(JSON.stringify(bad.json), /low_latency \\"maybe\\"/);

      const started = await call(t.app, "POST", "/start_roi_stream/door", {
        source: url,
        width: 64,
        height: 48,
        stream_type: "opencv",
      });
      assert.equal(started.status, 200, JSON.stringify(started.json));
      await waitFor(() => (t.system.cameras.view(cameraOf())?.frames ?? 0) > 0, {
        what: "a frame in low-latency mode",
        timeoutMs: 20_000,
      });
      const low = seen.at(-1)!;
      assert.ok(low, "ffmpeg asked the server");
      const at = low.indexOf("-fflags");
      assert.deepEqual(low.slice(at, at + 8), [
        "-fflags",
        "nobuffer",
        "-flags",
        "low_delay",
        "-probesize",
        "32768",
        "-analyzeduration",
        "0",
      ]);
      assert.ok(at < low.indexOf("-i") && !low.includes("-re"));
      assert.equal((await state()).roi_low_latency, true, "VisionROI's preview default");
      assert.equal((await state()).backend, "ffmpeg", "a network URL, whatever stream_type says");

      const asked = seen.length;
      const stable = await call(t.app, "POST", "/start_roi_stream/door", { low_latency: false });
      assert.equal(stable.status, 200, JSON.stringify(stable.json));
      await waitFor(() => (t.system.cameras.view(cameraOf())?.frames ?? 0) > 0, {
        what: "a frame in stable mode",
        timeoutMs: 20_000,
      });
      const plain = seen.slice(asked).at(-1)!;
      assert.ok(plain, "a new ffmpeg asked the server");
      assert.ok(!plain.includes("nobuffer") && !plain.includes("-probesize"), plain.join(" "));
      assert.equal((await state()).roi_low_latency, false);
      await call(t.app, "POST", "/stop_roi_stream/door");
    } finally {
      await t.close();
      await server.shutdown();
    }
  },
});
