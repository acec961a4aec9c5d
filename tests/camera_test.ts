import assert from "node:assert/strict";
import { CameraSystem } from "../actors/cameras/camera_system.ts";
import { createFrameSource, ffmpegChildPids } from "../actors/frame_sources/mod.ts";
import { allocFrameData, type Frame, type FrameSource } from "../actors/frame_sources/frame.ts";
import { FileSnapshotStore, flushMicrotasks, ManualClock } from "../actors/runtime/mod.ts";
import { makeClip, pidAlive } from "./helpers/media.ts";
import { waitFor } from "./helpers/wait.ts";

function system(dir: string, opts: { minStallMs?: number } = {}) {
  return new CameraSystem({
    createSource: (spec) => createFrameSource(spec),
    store: new FileSnapshotStore(`${dir}/.actors`),
    minStallMs: opts.minStallMs,
  });
}

Deno.test({
  name:
    "killing the ffmpeg child of a live camera brings it back live within 10 s, restart counted",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    const cams = system(dir);
    try {
      const clip = await makeClip(dir, { width: 320, height: 240, seconds: 3 });
      const line = cams.register({ source: clip, width: 160, height: 120, fps: 10 });
      assert.equal(await cams.hold(line, "job:test"), true);
      const first = await cams.frame(line, { timeoutMs: 10_000 });
      assert.ok(first, "a first frame");
      assert.equal(first.width, 160);
      assert.equal(first.height, 120);
      assert.equal(cams.view(line)?.status, "live");
      const [pid] = ffmpegChildPids();
      assert.ok(pid, "an ffmpeg child runs");
      Deno.kill(pid, "SIGKILL");
      const killedAt = Date.now();
      await waitFor(() => cams.view(line)?.restarts === 1, { what: "a counted restart" });
      const again = await waitFor(async () => {
        const f = await cams.frame(line, { timeoutMs: 500 });
        return f && f.time > killedAt && cams.view(line)?.status === "live" ? f : undefined;
      }, { timeoutMs: 10_000, what: "live again" });
      assert.ok(again.time - killedAt < 10_000);
      assert.match(cams.view(line)!.lastError ?? "", /ffmpeg|exit|signal|ended/i);
      const [newPid] = ffmpegChildPids();
      assert.ok(newPid && newPid !== pid, "a new child");
      await cams.release(line, "job:test");
      assert.deepEqual(ffmpegChildPids(), [], "releasing the last holder stops the child");
      assert.equal(pidAlive(newPid), false);
      assert.equal(cams.view(line)?.status, "stopped");
    } finally {
      await cams.stopAll();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "a missing file makes the camera failed with ffmpeg's reason, at once",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    const cams = system(dir);
    try {
      const gone = cams.register({ source: `${dir}/no-such-clip.mp4`, width: 64, height: 48 });
      await cams.hold(gone, "job:test");
      const view = await waitFor(() => {
        const v = cams.view(gone);
        return v?.status === "failed" ? v : undefined;
      }, { what: "failed" });
      assert.match(view.lastError ?? "", /No such file or directory/);
      assert.equal(view.restarts, 0, "a missing file is not retried");
      assert.deepEqual(ffmpegChildPids(), []);
    } finally {
      await cams.stopAll();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "an unreachable URL keeps the camera restarting with ffmpeg's reason",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    const cams = system(dir);
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = listener.addr.port;
    listener.close(); // now nothing listens there
    try {
      const cam = cams.register({
        source: `rtsp://127.0.0.1:${port}/live`,
        width: 64,
        height: 48,
      });
      await cams.hold(cam, "job:test");
      const view = await waitFor(() => {
        const v = cams.view(cam);
        return v?.status === "restarting" ? v : undefined;
      }, { what: "restarting", timeoutMs: 15_000 });
      assert.match(view.lastError ?? "", /refused|failed|error/i);
      assert.ok(view.nextRestartAt! > Date.now() - 1000);
    } finally {
      await cams.stopAll();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

/** One frame, then silence: what a camera whose network went quiet looks like. */
class StallingSource implements FrameSource {
  readonly kind = "test-stall";
  async *frames(signal: AbortSignal): AsyncGenerator<Frame> {
    yield { width: 2, height: 2, data: allocFrameData(2, 2), seq: 1, time: Date.now() };
    await new Promise<void>((r) => signal.addEventListener("abort", () => r(), { once: true }));
  }
}

Deno.test("the watchdog restarts a camera with no frame for max(2 × interval, minimum), counting the stall", async () => {
  const clock = new ManualClock();
  const dir = await Deno.makeTempDir();
  const cams = new CameraSystem({
    createSource: () => new StallingSource(),
    store: new FileSnapshotStore(`${dir}/.actors`),
    clock,
    random: () => 0.5,
  });
  try {
    const quiet = cams.register({ source: "x", fps: 1 });
    await cams.hold(quiet, "job:t");
    await flushMicrotasks();
    assert.equal(cams.view(quiet)?.status, "live");
    await clock.advance(9_999);
    assert.equal(cams.view(quiet)?.status, "live", "10 s is the floor at 1 fps");
    await clock.advance(1);
    await waitFor(() => cams.view(quiet)?.status === "restarting", { what: "restarting" });
    const v = cams.view(quiet)!;
    assert.equal(v.stalls, 1);
    assert.match(v.lastError ?? "", /stalled: no frame for 10 s/);
    await clock.advance(500);
    await waitFor(() => cams.view(quiet)?.status === "live", { what: "live again" });
    assert.equal(cams.view(quiet)?.restarts, 1);
  } finally {
    await cams.stopAll();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("frames waited for with nextFrame are not kept alive by the running camera", async () => {
  // A separate process, for `gc()`: each wait used to leave a reaction on the camera's exit
  // promise holding the frame it resolved with (every /ws client leaked ~4 MB/s at 1280×720).
  const probe = new URL("./helpers/frame_wait_probe.ts", import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--v8-flags=--expose-gc", probe],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const { waited, alive } = JSON.parse(text.trim().split("\n").at(-1)!);
  assert.equal(waited, 60);
  assert.ok(alive <= 1, `${alive} of ${waited} frames still reachable (only the newest may be)`);
});
