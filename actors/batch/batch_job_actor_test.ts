import assert from "node:assert/strict";
import { BatchJobActor } from "./batch_job_actor.ts";
import { BatchDb, type NewBatchTask } from "../../storage/batch_db.ts";
import { FrameSourceError } from "../frame_sources/frame.ts";
import type { BatchFrame } from "../frame_sources/batch_frames.ts";
import type { RoiResult } from "../../inference_modules/pool_types.ts";
import { flushMicrotasks, ManualClock } from "../runtime/mod.ts";

/** A promise resolved from outside, to hold one step of the actor until the test lets it go. */
function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<T>((res, rej) => [resolve, reject] = [res, rej]);
  return { promise, resolve, reject };
}

function frameAt(index: number): BatchFrame {
  const data = new Uint8Array(new SharedArrayBuffer(4));
  return { index, time: index / 10, frame: { width: 1, height: 1, data, seq: index + 1, time: 0 } };
}

const ROIS = [{ id: "a", name: "A", module: "digits", points: [] }];

function newTask(id: string, framesExpected: number): NewBatchTask {
  return {
    id,
    owner: "local",
    name: id,
    source: "",
    group_name: "",
    rois: JSON.stringify(ROIS),
    kind: "video",
    files: '["0-a.mp4"]',
    dir: `/nowhere/${id}`,
    bytes: 1,
    every_n_frames: 1,
    fps: null,
    video_fps: 10,
    width: 1,
    height: 1,
    frames_expected: framesExpected,
    created_at: 1,
  };
}

/**
 * A scripted decoder and pool around a real SQLite file: each `next()` and each `readFrame` waits
 * for the test, so every transition of the actor can be looked at in between.
 */
async function rig(opts: { frames: number; expected: number; decodeError?: Error }) {
  const dir = await Deno.makeTempDir();
  const db = new BatchDb(dir);
  db.insertTask(newTask("t1", opts.expected));
  const decodes: ReturnType<typeof deferred<void>>[] = [];
  const reads: { index: number; done: ReturnType<typeof deferred<RoiResult[]>> }[] = [];
  const readWaiters: (() => void)[] = [];
  const decodeWaiters: (() => void)[] = [];
  // Like ffmpeg killed on abort, a decode in progress ends when the task is cancelled.
  async function* frames(_plan: unknown, signal: AbortSignal): AsyncGenerator<BatchFrame> {
    for (let i = 0; i < opts.frames; i++) {
      const d = deferred<void>();
      decodes.push(d);
      decodeWaiters.splice(0).forEach((w) => w());
      signal.addEventListener("abort", () => d.reject(new Error("aborted")), { once: true });
      await d.promise;
      yield frameAt(i);
    }
    if (opts.decodeError) throw opts.decodeError;
  }
  const actor = new BatchJobActor(db.task("t1")!, {
    db,
    clock: new ManualClock(1_000_000),
    frames,
    reader: {
      readFrame(frame) {
        const done = deferred<RoiResult[]>();
        reads.push({ index: frame.seq - 1, done });
        readWaiters.splice(0).forEach((w) => w());
        return done.promise;
      },
    },
  });
  const until = (list: unknown[], n: number, waiters: (() => void)[]): Promise<void> =>
    list.length >= n
      ? Promise.resolve()
      : new Promise<void>((r) => waiters.push(r)).then(() => until(list, n, waiters));
  return {
    db,
    actor,
    decodes,
    reads,
    /** Resolves once `n` decodes have been asked for. */
    decodeAsked: (n: number) => until(decodes, n, decodeWaiters),
    /** Resolves once `n` frames have been handed to the pool. */
    readAsked: (n: number) => until(reads, n, readWaiters),
    result: (id: string, text: string): RoiResult[] => [
      { id, name: "A", module: "digits", text, duration: 0.01 },
    ],
    stored: () => [...db.results("t1")].map((r) => [r.frame_index, r.text]),
    async close() {
      db.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

Deno.test("batch job: the next frame decodes while the pool reads; rows are stored per frame, in order; a short file completes with a warning", async () => {
  const t = await rig({ frames: 2, expected: 5 });
  try {
    await t.actor.start();
    await t.decodeAsked(1);
    t.decodes[0].resolve();
    await t.readAsked(1);
    assert.equal(t.reads[0].index, 0);
    await t.decodeAsked(2); // frame 1 is asked for before frame 0's answers are in
    assert.deepEqual(t.stored(), [], "nothing stored before the pool answered");
    t.decodes[1].resolve(); // frame 1 is ready first; it must still wait for frame 0's rows
    t.reads[0].done.resolve(t.result("a", "10"));
    await t.readAsked(2);
    assert.deepEqual(t.stored(), [[0, "10"]]);
    assert.equal(t.actor.snapshot().frames_done, 1);
    t.reads[1].done.resolve(t.result("a", "11"));
    const exit = await t.actor.exited;
    assert.equal(exit.reason, "normal");
    assert.deepEqual(t.stored(), [[0, "10"], [1, "11"]]);
    const task = t.db.task("t1")!;
    assert.equal(task.status, "completed");
    assert.equal(task.frames_expected, 5);
    assert.equal(task.warning, "video ended at frame 2 of 5 (truncated?)");
    assert.equal(t.actor.snapshot().status, "completed");
  } finally {
    await t.close();
  }
});

Deno.test("batch job: a cancel while a frame is being read stores nothing more and marks the task cancelled", async () => {
  const t = await rig({ frames: 3, expected: 3 });
  try {
    await t.actor.start();
    await t.decodeAsked(1);
    t.decodes[0].resolve();
    await t.readAsked(1);
    await t.actor.send({ type: "cancel" });
    const exit = await t.actor.exited;
    assert.equal(exit.reason, "normal");
    t.reads[0].done.resolve(t.result("a", "late")); // the pool answers after the cancel
    await t.reads[0].done.promise;
    await flushMicrotasks(); // the answer's continuation has run: a post would have been made now
    assert.deepEqual(t.stored(), []);
    assert.equal(t.db.task("t1")!.status, "cancelled");
    assert.equal(t.actor.snapshot().status, "cancelled");
  } finally {
    await t.close();
  }
});

Deno.test("batch job: a decoder that cannot read the file fails the task for good with its words", async () => {
  const t = await rig({
    frames: 1,
    expected: 4,
    decodeError: new FrameSourceError("ffmpeg could not decode the video (exit code 69): bad data"),
  });
  try {
    await t.actor.start();
    await t.decodeAsked(1);
    t.decodes[0].resolve();
    await t.readAsked(1);
    t.reads[0].done.resolve(t.result("a", "7"));
    const exit = await t.actor.exited;
    assert.equal(exit.reason, "fatal", "a fatal error: the supervisor does not restart it");
    assert.match(exit.error?.message ?? "", /\(exit code 69\): bad data/);
    assert.equal(t.actor.snapshot().status, "failed");
    assert.deepEqual(t.stored(), [[0, "7"]], "the frame read before the failure is kept");
  } finally {
    await t.close();
  }
});
