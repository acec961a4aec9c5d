import assert from "node:assert/strict";
import {
  ffmpegAvailable,
  ffmpegChildPids,
  FfmpegSource,
  type FfmpegSourceOptions,
  killAllChildren,
} from "./ffmpeg.ts";
import { type Frame, FrameSourceError, type SourceSpec } from "./frame.ts";

// CI installs ffmpeg; a machine without it must fail these tests, not skip them.
async function requireFfmpeg(): Promise<void> {
  if (!(await ffmpegAvailable())) {
    throw new Error(
      "ffmpeg is not installed: the ffmpeg source tests need it (apt-get install ffmpeg)",
    );
  }
}

/** Runs `fn` with a fresh testsrc clip (320x240, 25 fps) in a temp dir that is removed afterwards. */
async function withClip(
  seconds: number,
  fn: (clip: string, dir: string) => Promise<void>,
): Promise<void> {
  await requireFfmpeg();
  const dir = await Deno.makeTempDir({ prefix: "ffmpeg_source_test_" });
  try {
    const clip = `${dir}/clip.mp4`;
    await ffmpeg(
      ["-f", "lavfi", "-i", "testsrc=size=320x240:rate=25", "-t", String(seconds)],
      ["-pix_fmt", "yuv420p", clip],
    );
    await fn(clip, dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function ffmpeg(input: string[], output: string[]): Promise<void> {
  const args = ["-hide_banner", "-loglevel", "error", "-nostdin", "-y", ...input, ...output];
  const out = await new Deno.Command("ffmpeg", { args, stdout: "null", stderr: "piped" }).output();
  assert.ok(
    out.success,
    `ffmpeg ${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`,
  );
}

async function pidAlive(pid: number): Promise<boolean> {
  const cmd = new Deno.Command("sh", { args: ["-c", `kill -0 ${pid}`], stderr: "null" });
  return (await cmd.output()).success;
}

/** Collects `count` frames, then leaves the loop (which must stop the child). */
async function take(
  spec: SourceSpec,
  count: number,
  opts: FfmpegSourceOptions = {},
): Promise<Frame[]> {
  const frames: Frame[] = [];
  for await (const frame of new FfmpegSource(spec, opts).frames(new AbortController().signal)) {
    frames.push(frame);
    if (frames.length === count) break;
  }
  return frames;
}

function freeClosedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

function firstDifference(a: Uint8Array<ArrayBufferLike>, b: Uint8Array<ArrayBufferLike>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

Deno.test("ffmpeg source delivers shared RGBA frames of the requested size, pixel for pixel what ffmpeg decodes", async () => {
  await withClip(3, async (clip, dir) => {
    const frames = await take({ source: clip, width: 160, height: 120, fps: 10 }, 3);
    await ffmpeg(
      ["-i", clip, "-map", "0:v:0", "-vf", "fps=10,scale=160:120", "-frames:v", "1"],
      ["-pix_fmt", "rgba", "-f", "rawvideo", `${dir}/first.raw`],
    );
    const reference = await Deno.readFile(`${dir}/first.raw`);
    assert.deepEqual(frames.map((f) => [f.seq, f.width, f.height, f.data.length]), [
      [1, 160, 120, 160 * 120 * 4],
      [2, 160, 120, 160 * 120 * 4],
      [3, 160, 120, 160 * 120 * 4],
    ]);
    assert.ok(frames.every((f) => f.data.buffer instanceof SharedArrayBuffer));
    assert.equal(firstDifference(frames[0].data, reference), -1);
  });
});

Deno.test("ffmpeg source paces a video file at the requested fps like a camera", async () => {
  await withClip(3, async (clip) => {
    const frames = await take({ source: clip, width: 160, height: 120, fps: 10 }, 6);
    const spanMs = frames[5].time - frames[0].time;
    // 5 intervals at 10 fps = 500 ms; unpaced, ffmpeg would deliver them within a few ms.
    assert.ok(spanMs >= 350, `6 frames at 10 fps spanned only ${spanMs} ms`);
    assert.ok(frames.every((f, i) => i === 0 || f.time >= frames[i - 1].time));
  });
});

Deno.test("ffmpeg source loops a video file instead of ending at its last frame", async () => {
  await withClip(0.4, async (clip) => {
    // The clip holds 4 frames at 10 fps; 9 frames means it went round at least twice.
    const frames = await take({ source: clip, width: 80, height: 60, fps: 10 }, 9);
    assert.equal(frames.at(-1)?.seq, 9);
  });
});

Deno.test("ffmpeg source without width and height serves the video's own size", async () => {
  await withClip(1, async (clip) => {
    const [frame] = await take({ source: clip, fps: 10 }, 1);
    assert.deepEqual([frame.width, frame.height, frame.data.length], [320, 240, 320 * 240 * 4]);
  });
});

Deno.test("ffmpeg source with only a width keeps the video's aspect ratio", async () => {
  await withClip(1, async (clip) => {
    const [frame] = await take({ source: clip, width: 160, fps: 10 }, 1);
    assert.deepEqual([frame.width, frame.height], [160, 120]);
  });
});

Deno.test("aborting ends the ffmpeg child and releases a consumer waiting for the next frame", async () => {
  await withClip(3, async (clip) => {
    const ac = new AbortController();
    const before = new Set(ffmpegChildPids());
    const it = new FfmpegSource({ source: clip, width: 160, height: 120, fps: 1 }).frames(
      ac.signal,
    );
    const first = await it.next();
    assert.equal(first.done, false);
    const pids = ffmpegChildPids().filter((p) => !before.has(p));
    assert.equal(pids.length, 1);
    assert.ok(await pidAlive(pids[0]));
    const waiting = it.next(); // the next frame is a second away
    ac.abort();
    assert.deepEqual(await waiting, { done: true, value: undefined });
    assert.ok(!ffmpegChildPids().includes(pids[0]));
    assert.equal(await pidAlive(pids[0]), false);
  });
});

Deno.test("breaking out of for-await ends the ffmpeg child", async () => {
  await withClip(3, async (clip) => {
    const before = new Set(ffmpegChildPids());
    let pid = 0;
    for await (
      const _ of new FfmpegSource({ source: clip, width: 80, height: 60 }).frames(
        new AbortController().signal,
      )
    ) {
      pid = ffmpegChildPids().filter((p) => !before.has(p))[0];
      break;
    }
    assert.ok(pid > 0);
    assert.ok(!ffmpegChildPids().includes(pid));
    assert.equal(await pidAlive(pid), false);
  });
});

Deno.test("a source can be iterated again after it ended, with a fresh child and seq from 1", async () => {
  await withClip(1, async (clip) => {
    const source = new FfmpegSource({ source: clip, width: 80, height: 60, fps: 10 });
    const pids: number[] = [];
    for (let round = 0; round < 2; round++) {
      for await (const frame of source.frames(new AbortController().signal)) {
        assert.equal(frame.seq, 1);
        pids.push(...ffmpegChildPids());
        break;
      }
    }
    assert.equal(pids.length, 2);
    assert.notEqual(pids[0], pids[1]);
    assert.deepEqual(ffmpegChildPids(), []);
  });
});

Deno.test("a missing video file fails with ffmpeg's reason, with or without a requested size", async () => {
  await requireFfmpeg();
  const source = "/nonexistent/visionroi/clip.mp4";
  for (const spec of [{ source, width: 160, height: 120 }, { source }]) {
    await assert.rejects(take(spec, 1), (error: unknown) => {
      assert.ok(error instanceof FrameSourceError, String(error));
      assert.match(error.message, /No such file or directory/);
      assert.match(error.message, /\/nonexistent\/visionroi\/clip\.mp4/);
      return true;
    });
  }
  assert.deepEqual(ffmpegChildPids(), []);
});

Deno.test("an unreachable RTSP camera fails with FrameSourceError carrying ffmpeg's reason", async () => {
  await requireFfmpeg();
  const port = freeClosedPort();
  const spec = { source: `rtsp://viewer:secret@127.0.0.1:${port}/stream`, width: 160, height: 120 };
  await assert.rejects(take(spec, 1), (error: unknown) => {
    assert.ok(error instanceof FrameSourceError, String(error));
    assert.match(error.message, /Connection refused/);
    assert.doesNotMatch(error.message, /secret/, "the password must not reach users or logs");
    return true;
  });
  assert.deepEqual(ffmpegChildPids(), []);
});

Deno.test("killAllChildren stops every running ffmpeg and each iteration reports the failure", async () => {
  await withClip(3, async (clip) => {
    const signal = new AbortController().signal;
    const iterators = [1, 2].map(() =>
      new FfmpegSource({ source: clip, width: 80, height: 60, fps: 5 }).frames(signal)
    );
    for (const it of iterators) assert.equal((await it.next()).done, false);
    const pids = ffmpegChildPids();
    assert.equal(pids.length, 2);
    await killAllChildren();
    // A frame read just before the kill may still be handed out; then the failure must follow.
    for (const it of iterators) {
      await assert.rejects(async () => {
        for (let i = 0; i < 3 && !(await it.next()).done; i++);
      }, FrameSourceError);
    }
    assert.deepEqual(ffmpegChildPids(), []);
    for (const pid of pids) assert.equal(await pidAlive(pid), false);
  });
});
