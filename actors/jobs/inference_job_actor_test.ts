/** The job actor's transitions (`tick`, `frame_read`, `roi_results`, `reconfigure`, `cancel`) under a manual clock. */
import assert from "node:assert/strict";
import {
  InferenceJobActor,
  type JobCamera,
  type JobConfig,
  type JobRoi,
} from "./inference_job_actor.ts";
import { ResultBus } from "./result_bus.ts";
import { flushMicrotasks, ManualClock } from "../runtime/clock.ts";
import type { Frame } from "../frame_sources/frame.ts";
import type { RoiResult, RoiTask } from "../../inference_modules/pool_types.ts";

const square = (x: number) => [{ x, y: 0 }, { x: x + 10, y: 0 }, { x: x + 10, y: 10 }, {
  x,
  y: 10,
}];
const roi = (id: string, group = "g"): JobRoi => ({
  id,
  type: "roi",
  module: "digits",
  group,
  points: square(Number(id.replace(/\D/g, "") || 0) * 20),
});

/** A camera that hands out the frames a test gives it; none means the read waits and gets nothing. */
class TestCamera implements JobCamera {
  frames: Frame[] = [];
  held = new Set<string>();
  status = "live";
  lastError: string | null = null;
  seq = 0;
  hold(_id: string, holder: string) {
    this.held.add(holder);
    return Promise.resolve(true);
  }
  release(_id: string, holder: string) {
    this.held.delete(holder);
    return Promise.resolve();
  }
  nextFrame(_id: string, _after: number, _timeoutMs: number) {
    return Promise.resolve(this.frames.shift());
  }
  view() {
    return { status: this.status, lastError: this.lastError };
  }
  push(time: number): void {
    this.frames.push({
      width: 100,
      height: 20,
      data: new Uint8Array(new SharedArrayBuffer(100 * 20 * 4)),
      seq: ++this.seq,
      time,
    });
  }
}

/** A reader whose answers the test releases: each call waits until `answer()` or `fail()`. */
class TestReader {
  calls: RoiTask[][] = [];
  #pending: { tasks: RoiTask[]; resolve: (r: RoiResult[]) => void; reject: (e: Error) => void }[] =
    [];
  readFrame(_frame: Frame, tasks: RoiTask[]): Promise<RoiResult[]> {
    this.calls.push(tasks);
    return new Promise((resolve, reject) => this.#pending.push({ tasks, resolve, reject }));
  }
  get waiting(): number {
    return this.#pending.length;
  }
  answer(): void {
    const p = this.#pending.shift()!;
    p.resolve(p.tasks.map((t) => ({
      id: t.id,
      name: t.name ?? t.id,
      module: t.module,
      text: `read ${t.id}`,
      duration: 0.01,
    })));
  }
  fail(err: Error): void {
    this.#pending.shift()!.reject(err);
  }
}

function setup(over: Partial<JobConfig> = {}) {
  const clock = new ManualClock();
  const camera = new TestCamera();
  const reader = new TestReader();
  const bus = new ResultBus();
  const config: JobConfig = {
    camId: "c1",
    cameraId: "src",
    source: "src",
    rois: [roi("r1"), roi("r2")],
    inlineRois: false,
    group: "all",
    interval: 1,
    resultTimeout: 5,
    drawPageBoxes: true,
    ...over,
  };
  const actor = new InferenceJobActor(config, { cameras: camera, reader, bus, clock });
  return { clock, camera, reader, bus, config, actor };
}

const ids = (bus: ResultBus, i: number) => bus.recent()[i].results.map((r) => r.id);

Deno.test("job actor: tick → frame_read → roi_results publishes one sorted result per frame, then again after the interval", async () => {
  const { clock, camera, reader, bus, actor } = setup();
  camera.push(clock.now());
  await actor.start();
  await flushMicrotasks();
  assert.equal(reader.waiting, 1, "the first tick read the frame's ROIs");
  assert.deepEqual(reader.calls[0].map((t) => t.id), ["r1", "r2"]);
  reader.answer();
  await flushMicrotasks();
  assert.equal(bus.recent().length, 1);
  assert.deepEqual(ids(bus, 0), ["r1", "r2"]);
  assert.equal(bus.recent()[0].group, "all");
  assert.equal(actor.snapshot().status, "running");
  assert.equal(actor.snapshot().frames_processed, 1);
  assert.equal(actor.snapshot().reads_ok, 2);

  camera.push(clock.now() + 900);
  await clock.advance(999);
  assert.equal(reader.waiting, 0, "nothing is read before the interval passed");
  await clock.advance(1);
  assert.equal(reader.waiting, 1, "the next tick came after 1 s");
  reader.answer();
  await flushMicrotasks();
  assert.equal(bus.recent().length, 2);
  await actor.stop();
  assert.equal(camera.held.size, 0, "the camera is released on stop");
});

Deno.test("job actor: a tick while a frame is still being read is skipped and counted", async () => {
  const { clock, camera, reader, actor } = setup();
  camera.push(clock.now());
  await actor.start();
  await flushMicrotasks();
  assert.equal(reader.waiting, 1);
  camera.push(clock.now() + 1);
  await clock.advance(1000);
  await clock.advance(1000);
  assert.equal(actor.snapshot().ticks_skipped, 2);
  assert.equal(reader.calls.length, 1, "no second read was queued behind the slow one");
  reader.answer();
  await flushMicrotasks();
  await clock.advance(1000);
  assert.equal(reader.calls.length, 2, "the next tick after the slow read reads again");
  await actor.stop();
});

Deno.test("job actor: reconfigure applies at once; ROIs removed while a frame is read are not published", async () => {
  const { clock, camera, reader, bus, config, actor } = setup();
  camera.push(clock.now());
  await actor.start();
  await flushMicrotasks();
  assert.equal(reader.waiting, 1);
  // r2 is removed while its frame is read.
  await actor.send({ type: "reconfigure", config: { ...config, rois: [roi("r1"), roi("r3")] } });
  reader.answer();
  await flushMicrotasks();
  assert.deepEqual(ids(bus, 0), ["r1"], "the removed ROI's answer is dropped");
  // The next read uses the new set.
  camera.push(clock.now() + 10);
  await clock.advance(1000);
  assert.deepEqual(reader.calls[1].map((t) => t.id), ["r1", "r3"]);
  reader.answer();
  await flushMicrotasks();
  assert.deepEqual(ids(bus, 1), ["r1", "r3"]);
  // While idle, a reconfigure reads at once instead of waiting for the old cadence.
  camera.push(clock.now() + 20);
  await actor.send({ type: "reconfigure", config: { ...config, rois: [roi("r3")], interval: 5 } });
  await flushMicrotasks();
  assert.deepEqual(reader.calls[2].map((t) => t.id), ["r3"]);
  assert.equal(actor.snapshot().interval, 5);
  await actor.stop();
});

Deno.test("job actor: waiting_for_camera says why; no_rois; a group selects its ROIs", async () => {
  const { clock, camera, reader, bus, config, actor } = setup({
    rois: [roi("r1", "a"), roi("r2", "b")],
    group: "b",
  });
  camera.status = "failed";
  camera.lastError = "cannot open /x.png: No such file";
  await actor.start();
  await flushMicrotasks();
  assert.equal(actor.snapshot().status, "waiting_for_camera");
  assert.equal(actor.snapshot().reason, "cannot open /x.png: No such file");
  camera.status = "live";
  camera.lastError = null;
  camera.push(clock.now());
  await clock.advance(1000);
  assert.deepEqual(reader.calls[0].map((t) => t.id), ["r2"], "group b reads only r2");
  reader.answer();
  await flushMicrotasks();
  assert.equal(bus.recent()[0].group, "b");
  assert.equal(actor.snapshot().status, "running");
  assert.equal(actor.snapshot().reason, null);
  await actor.send({ type: "reconfigure", config: { ...config, rois: [] } });
  camera.push(clock.now() + 1);
  await flushMicrotasks();
  assert.equal(actor.snapshot().status, "no_rois");
  assert.equal(reader.calls.length, 1, "nothing to read, nothing sent to the pool");
  await actor.stop();
});

Deno.test("job actor: cancel stops reading and says why; a reader failure ends the actor with the error", async () => {
  const a = setup();
  a.camera.push(a.clock.now());
  await a.actor.start();
  await flushMicrotasks();
  await a.actor.send({ type: "cancel", reason: "source deleted" });
  await flushMicrotasks();
  a.reader.answer();
  await flushMicrotasks();
  assert.equal(a.bus.recent().length, 0, "the cancelled read's answer is not published");
  assert.equal(a.actor.snapshot().status, "stopped");
  assert.equal(a.actor.snapshot().reason, "source deleted");
  a.camera.push(a.clock.now());
  await a.clock.advance(5000);
  assert.equal(a.reader.calls.length, 1, "no tick after cancel");
  await a.actor.stop();

  const b = setup({ interval: 0 });
  b.camera.push(b.clock.now());
  await b.actor.start();
  await flushMicrotasks();
  b.reader.fail(new Error("worker pool closed"));
  const exit = await b.actor.exited;
  assert.equal(exit.reason, "error");
  assert.equal(exit.error?.message, "worker pool closed");
  assert.equal(b.camera.held.size, 0, "the camera is released when it crashes");
});

Deno.test("job actor: interval 0 reads each new frame as soon as the previous one is done", async () => {
  const { clock, camera, reader, bus, actor } = setup({ interval: 0 });
  camera.push(clock.now());
  camera.push(clock.now() + 1);
  await actor.start();
  await flushMicrotasks();
  reader.answer();
  await flushMicrotasks();
  assert.equal(reader.calls.length, 2, "the second frame was read without waiting for a timer");
  reader.answer();
  await flushMicrotasks();
  assert.equal(bus.recent().length, 2);
  assert.equal(actor.snapshot().status, "waiting_for_camera", "no third frame yet");
  assert.equal(actor.snapshot().ticks_skipped, 0);
  await actor.stop();
});

Deno.test("job actor: a forced group sends VisionROI's {group, scores} message every frame, before the result", async () => {
  const { clock, camera, reader, bus, actor } = setup({
    rois: [roi("r1", "a"), roi("r2", "b")],
    group: "b",
  });
  const sub = bus.subscribe("c1");
  camera.push(clock.now());
  await actor.start();
  await flushMicrotasks();
  reader.answer();
  await flushMicrotasks();
  camera.push(clock.now() + 900);
  await clock.advance(1000);
  reader.answer();
  await flushMicrotasks();
  const kinds = [];
  for (let i = 0; i < 4; i++) {
    const m = await sub.next();
    if (m?.kind === "group") kinds.push(m.group);
    else kinds.push(m?.kind);
  }
  const group = { group: "b", scores: [] };
  assert.deepEqual(kinds, [group, "result", group, "result"]);
  sub.close();
  await actor.stop();
});
