/**
 * Damaged videos, in-process through `app.request()` with the real worker pool, real ffmpeg and the
 * real SQLite file: a file cut short completes with a warning and keeps the frames ffprobe
 * promised; a file ffmpeg gives up on fails with ffmpeg's words.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { loadConfig } from "../config.ts";
import { startSystem } from "../system.ts";
import { createApp } from "../routes/app.ts";
import { waitFor } from "./helpers/wait.ts";
import { completion } from "../actors/batch/batch_job_actor.ts";

const FRAMES = 200;
/** One cheap ROI (a lamp) over the top-left corner of a 160×120 clip. */
const ROIS = JSON.stringify([{
  id: "lamp",
  name: "Lamp",
  module: "light_button",
  points: [{ x: 0, y: 0 }, { x: 40, y: 0 }, { x: 40, y: 30 }, { x: 0, y: 30 }],
}]);

/** A 160×120 H.264 clip of FRAMES frames with its index up front, so a cut file still probes. */
async function makeFastStartClip(path: string): Promise<Uint8Array<ArrayBuffer>> {
  const out = await new Deno.Command("ffmpeg", {
    args: [
      ...["-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi"],
      ...["-i", "testsrc=size=160x120:rate=25", "-frames:v", String(FRAMES)],
      ...["-c:v", "libx264", "-pix_fmt", "yuv420p", "-movflags", "+faststart", path],
    ],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  return await Deno.readFile(path);
}

Deno.test("batch completion: a count short by more than one frame keeps the promise and warns", () => {
  assert.deepEqual(completion({ frames_done: 494, frames_expected: 1000 }), {
    frames_expected: 1000,
    warning: "video ended at frame 494 of 1000 (truncated?)",
  });
  assert.deepEqual(completion({ frames_done: 999, frames_expected: 1000 }), {
    frames_expected: 999,
    warning: null,
  });
  assert.deepEqual(completion({ frames_done: 12, frames_expected: 10 }), {
    frames_expected: 12,
    warning: null,
  });
});

Deno.test({
  name: "batch: a video cut short completes with a warning and its real frames_expected; " +
    "a video ffmpeg rejects as corrupt fails with ffmpeg's words",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "visionroi-damaged-" });
    const data = join(dir, "data");
    const whole = await makeFastStartClip(join(dir, "whole.mp4"));
    // Cut: the index still promises FRAMES frames, the data ends about half way.
    const cut = whole.slice(0, Math.floor(whole.length / 2));
    // Corrupt: the same length, but noise after the first fifth; ffmpeg gives up (exit 69).
    const corrupt = whole.slice();
    const noise = new Uint8Array(corrupt.length - Math.floor(corrupt.length / 5));
    for (let i = 0; i < noise.length; i += 65_536) {
      crypto.getRandomValues(noise.subarray(i, i + 65_536));
    }
    corrupt.set(noise, Math.floor(corrupt.length / 5));
    const config = loadConfig(
      ["--data-dir", data, "--no-demo", "--workers", "1"],
      () => undefined,
    );
    const system = await startSystem(config);
    const app = createApp({ config, ...system, shutdown: () => system.stop() });
    const upload = async (bytes: Uint8Array<ArrayBuffer>, name: string) => {
      const form = new FormData();
      form.set("file", new Blob([bytes]), name);
      form.set("rois", ROIS);
      const res = await app.request("/api/batch", { method: "POST", body: form });
      const json = await res.json();
      assert.equal(res.status, 201, JSON.stringify(json));
      return String(json.task_id);
    };
    const finished = (id: string) =>
      waitFor(async () => {
        const task = await (await app.request(`/api/batch/${id}`)).json();
        return ["completed", "failed", "cancelled"].includes(task.status) && task;
      }, { timeoutMs: 120_000, what: `task ${id} finished` });
    try {
      const cutId = await upload(cut, "cut.mp4");
      const badId = await upload(corrupt, "corrupt.mp4");
      const okId = await upload(whole, "whole.mp4");

      const short = await finished(cutId);
      assert.equal(short.status, "completed", JSON.stringify(short));
      assert.equal(short.frames_expected, FRAMES, "the promise of ffprobe is kept");
      assert.ok(short.frames_done > 0 && short.frames_done < FRAMES - 1, `${short.frames_done}`);
      assert.equal(
        short.warning,
        `video ended at frame ${short.frames_done} of ${FRAMES} (truncated?)`,
      );
      assert.equal(short.error, null);

      const bad = await finished(badId);
      assert.equal(bad.status, "failed", JSON.stringify(bad));
      assert.match(bad.error, /^ffmpeg could not decode the video \(exit code 69\): /);
      assert.match(bad.error, /Invalid data found when processing input|error/i);
      assert.doesNotMatch(bad.error, /Last message repeated/);
      assert.equal(bad.warning, null);

      const ok = await finished(okId);
      assert.equal(ok.status, "completed");
      assert.equal(ok.frames_done, FRAMES);
      assert.equal(ok.frames_expected, FRAMES);
      assert.equal(ok.warning, null);
      assert.equal(ok.progress, 100);
    } finally {
      await system.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
