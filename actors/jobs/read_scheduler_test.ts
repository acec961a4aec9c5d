/**
 * Fair, late-binding admission: the scheduler on its own, then jobs sharing it over a simulated
 * pool of two workers (FIFO, one ROI per worker per step) under a manual clock.
 */
import assert from "node:assert/strict";
import { ReadScheduler } from "./read_scheduler.ts";
import { InferenceJobActor, type JobCamera, type JobRoi } from "./inference_job_actor.ts";
import { ResultBus } from "./result_bus.ts";
import { flushMicrotasks, ManualClock } from "../runtime/clock.ts";
import type { Frame } from "../frame_sources/frame.ts";
import type { ReadFrameOptions, RoiResult, RoiTask } from "../../inference_modules/pool_types.ts";
import { metrics } from "../results/metrics.ts";

Deno.test("scheduler: a turn is granted only while fewer reads than workers (+ headroom) are in flight", async () => {
  const s = new ReadScheduler(2, { headroom: 0 });
  const a = await s.request("a", 12).granted;
  assert.equal(s.stats().inFlight, 12);
  let bGranted = false;
  const b = s.request("b", 12);
  void b.granted.then(() => (bGranted = true));
  await flushMicrotasks();
  assert.equal(bGranted, false, "12 reads in flight on 2 workers: b waits");
  a.done(10);
  await flushMicrotasks();
  assert.equal(bGranted, false, "2 in flight: still no room");
  a.done();
  await flushMicrotasks();
  assert.equal(bGranted, true, "1 in flight: a worker is about to idle, b's frame goes in");
  a.finish();
  a.finish();
  assert.equal(s.stats().inFlight, 12, "finish gives back only what is left, once");
});

Deno.test("scheduler: the least-served waiting job goes first; a newcomer starts level, not with a backlog", async () => {
  const s = new ReadScheduler(1, { headroom: 0 });
  const order: string[] = [];
  const run = async (job: string, cost: number, turns: number) => {
    for (let i = 0; i < turns; i++) {
      const g = await s.request(job, cost).granted;
      order.push(job);
      await flushMicrotasks();
      g.finish();
    }
  };
  const greedy = run("greedy", 4, 30);
  const polite = run("polite", 4, 10);
  await flushMicrotasks();
  await Promise.all([greedy, polite]);
  // While both wait, they alternate: polite is never passed twice in a row.
  const firstTwenty = order.slice(0, 20);
  assert.equal(firstTwenty.filter((j) => j === "polite").length, 10, firstTwenty.join(","));
  const late = await s.request("late", 4).granted;
  late.finish();
  assert.equal(s.stats().served.late, s.stats().served.polite + 4, "starts at the floor");
});

Deno.test("scheduler: the default headroom lets one more read per worker wait queued", async () => {
  const s = new ReadScheduler(2);
  const a = await s.request("a", 12).granted;
  let granted = false;
  void s.request("b", 12).granted.then(() => (granted = true));
  a.done(8);
  await flushMicrotasks();
  assert.equal(granted, false, "4 in flight on 2 workers: full");
  a.done();
  await flushMicrotasks();
  assert.equal(granted, true, "3 in flight: b's frame is bound and queued behind them");
});

/** A camera that delivers a new frame every `every` ms of the manual clock. */
class SimCamera implements JobCamera {
  #t0: number;
  constructor(readonly clock: ManualClock, readonly every: number) {
    this.#t0 = clock.now();
  }
  seqAt(now: number) {
    return Math.floor((now - this.#t0) / this.every) + 1;
  }
  frameAt(now: number): Frame {
    const seq = this.seqAt(now);
    return {
      width: 200,
      height: 20,
      data: new Uint8Array(new SharedArrayBuffer(200 * 20 * 4)),
      seq,
      time: this.#t0 + (seq - 1) * this.every,
    };
  }
  hold() {
    return Promise.resolve(true);
  }
  release() {
    return Promise.resolve();
  }
  nextFrame(_id: string, after: number) {
    return Promise.resolve(this.frameAt(this.clock.now())).then((f) =>
      f.seq > after ? f : this.frameAt(this.clock.now() + this.every)
    );
  }
  latest() {
    return this.frameAt(this.clock.now());
  }
  view() {
    return { status: "live", lastError: null };
  }
}

/** Two workers, FIFO: `step()` finishes the ROI on each busy worker and starts the next ones. */
class SimPool {
  queue: { task: RoiTask; done: (r: RoiResult) => void }[] = [];
  running: { task: RoiTask; done: (r: RoiResult) => void }[] = [];
  /** Per readFrame call: the frame's seq and whether it was its camera's newest then. */
  binds: { cam: string; seq: number; newest: boolean; queuedAhead: number }[] = [];
  constructor(readonly workers: number, readonly newestSeq: (cam: string) => number) {}
  readFrame(frame: Frame, tasks: RoiTask[], opts: ReadFrameOptions = {}): Promise<RoiResult[]> {
    const cam = tasks[0].id.split(":")[0];
    this.binds.push({
      cam,
      seq: frame.seq,
      newest: frame.seq === this.newestSeq(cam),
      queuedAhead: this.queue.length,
    });
    return Promise.all(tasks.map((task, i) =>
      new Promise<RoiResult>((resolve) => {
        this.queue.push({
          task,
          done: (r) => {
            opts.onResult?.(r, i);
            resolve(r);
          },
        });
      })
    ));
  }
  step(): void {
    for (const r of this.running) {
      r.done({ id: r.task.id, name: "", module: r.task.module, text: "x", duration: 0.01 });
    }
    this.running = this.queue.splice(0, this.workers);
  }
}

const rois = (cam: string, n: number): JobRoi[] =>
  Array.from({ length: n }, (_, i) => ({
    id: `${cam}:${i}`,
    type: "roi",
    module: "digits",
    points: [{ x: i * 10, y: 0 }, { x: i * 10 + 8, y: 0 }, { x: i * 10 + 8, y: 10 }, {
      x: i * 10,
      y: 10,
    }],
  }));

Deno.test("jobs on one pool: late binding, a frame's ROIs together, reads within 10 %, skipped frames counted", async () => {
  const clock = new ManualClock();
  const scheduler = new ReadScheduler(2);
  const cams = new Map<string, SimCamera>();
  const pool = new SimPool(2, (cam) => cams.get(cam)!.seqAt(clock.now()));
  const bus = new ResultBus();
  const jobs: InferenceJobActor[] = [];
  // Three jobs of 12 ROIs and one of 6, all at interval 0; cameras at 10 fps (100 ms).
  for (const [cam, n] of [["a", 12], ["b", 12], ["c", 12], ["d", 6]] as const) {
    const camera = new SimCamera(clock, 100);
    cams.set(cam, camera);
    const job = new InferenceJobActor({
      camId: cam,
      cameraId: cam,
      source: cam,
      rois: rois(cam, n),
      group: "all",
      interval: 0,
      resultTimeout: 60,
      drawPageBoxes: false,
    }, { cameras: camera, reader: pool, bus, clock, scheduler });
    jobs.push(job);
    await job.start();
  }
  // One step = one ROI read per worker, 20 ms each.
  for (let i = 0; i < 3000; i++) {
    await flushMicrotasks();
    pool.step();
    await clock.advance(20);
  }
  await flushMicrotasks();
  const snaps = jobs.map((j) => j.snapshot());
  const reads = snaps.map((s) => s.reads_ok);
  const min = Math.min(...reads), max = Math.max(...reads);
  assert.ok(min > 500, `every job reads: ${reads}`);
  assert.ok((max - min) / max <= 0.1, `reads per job within 10 %: ${reads}`);
  assert.ok(pool.binds.every((b) => b.newest), "every frame was its camera's newest when bound");
  assert.ok(
    pool.binds.every((b) => b.queuedAhead <= 2),
    "a bound frame waits behind at most one read per worker, never behind whole frames",
  );
  for (const s of snaps) {
    assert.ok(s.frames_skipped > 0, "cameras deliver faster than 4 jobs can read");
  }
  // Every delivered frame from the first one read is either read or counted as skipped.
  for (const s of snaps) {
    const seqs = pool.binds.filter((b) => b.cam === s.cam_id).map((b) => b.seq);
    const span = seqs[seqs.length - 1] - seqs[0] + 1;
    const seen = s.frames_processed + s.frames_skipped;
    assert.ok(
      seen === span || seen === span - 1,
      `${s.cam_id}: ${seen} read or skipped of ${span}`,
    );
  }
  const text = await metrics.scrape({
    jobs: snaps.map((s) => ({
      source: `src-${s.cam_id}`,
      framesProcessed: s.frames_processed,
      ticksSkipped: s.ticks_skipped,
      framesSkipped: s.frames_skipped,
      readsCached: s.reads_cached,
    })),
  });
  assert.match(
    text,
    new RegExp(`visionroi_job_frames_skipped_total\\{source="src-a"\\} ${snaps[0].frames_skipped}`),
  );
  for (const j of jobs) await j.stop();
  assert.equal(scheduler.stats().waiting, 0);
});

Deno.test("interval > 0: ticks that come while the frame waits for its turn or is read are skipped and counted", async () => {
  const clock = new ManualClock();
  const scheduler = new ReadScheduler(1);
  const camera = new SimCamera(clock, 10);
  const pool = new SimPool(1, () => camera.seqAt(clock.now()));
  const bus = new ResultBus();
  const job = new InferenceJobActor({
    camId: "t",
    cameraId: "t",
    source: "t",
    rois: rois("t", 5),
    group: "all",
    interval: 0.05,
    resultTimeout: 60,
    drawPageBoxes: false,
  }, { cameras: camera, reader: pool, bus, clock, scheduler });
  await job.start();
  // A read takes 5 steps of 30 ms = 150 ms: two more 50 ms ticks come while it runs.
  for (let i = 0; i < 50; i++) {
    await flushMicrotasks();
    pool.step();
    await clock.advance(30);
  }
  await flushMicrotasks();
  const s = job.snapshot();
  assert.ok(s.frames_processed >= 6, `frames ${s.frames_processed}`);
  assert.ok(
    s.ticks_skipped >= s.frames_processed,
    `${s.ticks_skipped} ticks skipped for ${s.frames_processed} frames`,
  );
  assert.equal(s.frames_skipped, 0, "an interval job skips frames on purpose: not counted");
  await job.stop();
});
