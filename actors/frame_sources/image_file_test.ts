import assert from "node:assert/strict";
import sharp from "sharp";
import { type Frame, FrameSourceError, type SourceSpec } from "./frame.ts";
import { ImageFileSource, type ImageFileSourceOptions, isStillImagePath } from "./image_file.ts";

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "image_source_test_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Writes raw pixels as a PNG with sharp. */
async function writePng(
  path: string,
  raw: { width: number; height: number; channels: 3 | 4; data: Uint8Array },
) {
  const { width, height, channels } = raw;
  await sharp(raw.data, { raw: { width, height, channels } }).png().toFile(path);
}

async function take(
  spec: SourceSpec,
  count: number,
  opts: ImageFileSourceOptions = {},
): Promise<Frame[]> {
  const frames: Frame[] = [];
  for await (const frame of new ImageFileSource(spec, opts).frames(new AbortController().signal)) {
    frames.push(frame);
    if (frames.length === count) break;
  }
  return frames;
}

Deno.test("image source yields a PNG's exact RGBA pixels in shared memory", async () => {
  await withTempDir(async (dir) => {
    // 3x2 with distinct colours and alpha, so any channel swap, flip or premultiply shows.
    const rgba = new Uint8Array([
      255,
      0,
      0,
      255,
      0,
      255,
      0,
      200,
      0,
      0,
      255,
      128,
      10,
      20,
      30,
      255,
      250,
      240,
      230,
      0,
      1,
      2,
      3,
      4,
    ]);
    await writePng(`${dir}/panel.png`, { width: 3, height: 2, channels: 4, data: rgba });
    const [frame] = await take({ source: `${dir}/panel.png` }, 1);
    assert.deepEqual([frame.width, frame.height, frame.seq], [3, 2, 1]);
    assert.ok(frame.data.buffer instanceof SharedArrayBuffer);
    assert.deepEqual([...frame.data], [...rgba]);
  });
});

Deno.test("image source makes an RGB image opaque", async () => {
  await withTempDir(async (dir) => {
    const rgb = new Uint8Array([9, 8, 7, 6, 5, 4]);
    await writePng(`${dir}/rgb.png`, { width: 2, height: 1, channels: 3, data: rgb });
    const [frame] = await take({ source: `${dir}/rgb.png` }, 1);
    assert.deepEqual([...frame.data], [9, 8, 7, 255, 6, 5, 4, 255]);
  });
});

Deno.test("image source scales to the requested size, keeping the aspect when one side is given", async () => {
  await withTempDir(async (dir) => {
    const data = new Uint8Array(8 * 6 * 3).fill(90);
    await writePng(`${dir}/big.png`, { width: 8, height: 6, channels: 3, data });
    const [both] = await take({ source: `${dir}/big.png`, width: 4, height: 2 }, 1);
    assert.deepEqual([both.width, both.height, both.data.length], [4, 2, 4 * 2 * 4]);
    const [one] = await take({ source: `${dir}/big.png`, width: 4 }, 1);
    assert.deepEqual([one.width, one.height], [4, 3]);
    assert.equal(one.data[0], 90);
  });
});

Deno.test("image source repeats the decoded frame at the requested fps on the injected timer", async () => {
  await withTempDir(async (dir) => {
    await writePng(`${dir}/a.png`, {
      width: 1,
      height: 1,
      channels: 3,
      data: new Uint8Array([1, 2, 3]),
    });
    let t = 5_000;
    const waits: number[] = [];
    const sleep = (ms: number) => {
      waits.push(ms);
      t += ms;
      return Promise.resolve();
    };
    const frames = await take({ source: `${dir}/a.png`, fps: 4 }, 3, { now: () => t, sleep });
    assert.deepEqual(frames.map((f) => [f.seq, f.time]), [[1, 5_000], [2, 5_250], [3, 5_500]]);
    assert.deepEqual(waits, [250, 250]);
    assert.equal(
      frames[1].data,
      frames[0].data,
      "one decode, one buffer shared by immutable frames",
    );
  });
});

Deno.test("aborting an image source ends it while it waits for the next tick", async () => {
  await withTempDir(async (dir) => {
    await writePng(`${dir}/a.png`, {
      width: 1,
      height: 1,
      channels: 3,
      data: new Uint8Array([1, 2, 3]),
    });
    const ac = new AbortController();
    const it = new ImageFileSource({ source: `${dir}/a.png`, fps: 0.01 }).frames(ac.signal);
    assert.equal((await it.next()).done, false);
    const waiting = it.next(); // the next tick is 100 s away
    ac.abort();
    assert.deepEqual(await waiting, { done: true, value: undefined });
  });
});

Deno.test("a missing image fails with FrameSourceError naming the path and the reason", async () => {
  await assert.rejects(
    take({ source: "/nonexistent/visionroi/panel.png" }, 1),
    (error: unknown) => {
      assert.ok(error instanceof FrameSourceError);
      assert.match(error.message, /\/nonexistent\/visionroi\/panel\.png/);
      assert.match(error.message, /No such file or directory/);
      return true;
    },
  );
});

Deno.test("an undecodable image fails with FrameSourceError naming the path", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/notes.jpg`, "this is not a JPEG");
    await assert.rejects(take({ source: `${dir}/notes.jpg` }, 1), (error: unknown) => {
      assert.ok(error instanceof FrameSourceError);
      assert.match(error.message, /Cannot decode image ".*notes\.jpg"/);
      return true;
    });
  });
});

Deno.test("still images are recognised by extension, whatever the case", () => {
  for (const p of ["a.png", "b.JPG", "c.jpeg", "d.bmp", "e.tif", "f.TIFF", "/x/g.webp"]) {
    assert.equal(isStillImagePath(p), true, p);
  }
  for (const p of ["clip.mp4", "rtsp://cam/x", "0", "demo", "png", "a.png.mp4"]) {
    assert.equal(isStillImagePath(p), false, p);
  }
});
