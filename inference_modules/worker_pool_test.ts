import assert from "node:assert/strict";
import { allocFrameData, type Frame } from "../actors/frame_sources/frame.ts";
import { createRegistry, type ModuleRegistry } from "./registry.ts";
import { makeTestDataDir } from "./testing/test_modules.ts";
import { WorkerPool } from "./worker_pool.ts";
import type { WorkerPoolOptions } from "./pool_types.ts";

/** A 120×80 frame whose red channel is the column index (so crops are recognisable). */
function testFrame(): Frame {
  const data = allocFrameData(120, 80);
  for (let i = 0; i < 120 * 80; i++) {
    data[i * 4] = i % 120;
    data[i * 4 + 3] = 255;
  }
  return { width: 120, height: 80, data, seq: 1, time: Date.now() };
}

const rect = (x: number, y: number, w: number, h: number) => [
  { x, y },
  { x: x + w, y },
  { x: x + w, y: y + h },
  { x, y: y + h },
];

let shared: { dataDir: string; registry: ModuleRegistry } | undefined;
async function setup() {
  if (!shared) {
    const dataDir = await makeTestDataDir();
    addEventListener("unload", () => Deno.removeSync(dataDir, { recursive: true }));
    shared = { dataDir, registry: await createRegistry({ dataDir }) };
  }
  return shared;
}

async function withPool(
  opts: Partial<WorkerPoolOptions>,
  body: (pool: WorkerPool, logs: string[]) => Promise<void>,
): Promise<void> {
  const { dataDir, registry } = await setup();
  const logs: string[] = [];
  const pool = new WorkerPool({
    registry,
    dataDir,
    workers: 1,
    heartbeatMs: 100,
    heartbeatTimeoutMs: 1000,
    overrunMs: 500,
    log: (l) => logs.push(l),
    // These tests are about the Web Workers; module_process_test.ts runs testkit in a process.
    isolateUserModules: false,
    ...opts,
  });
  try {
    await pool.ready();
    await body(pool, logs);
  } finally {
    await pool.close();
  }
}

// Workers live across awaits by design; the pool's own close() ends them.
const workerTest = { sanitizeResources: false, sanitizeOps: false };

Deno.test({
  name: "pool answers in input order; each bad ROI gets its own error and the rest are read",
  ...workerTest,
  fn: () =>
    withPool({ workers: 2 }, async (pool) => {
      const results = await pool.readFrame(testFrame(), [
        { id: "a", module: "testkit", points: rect(10, 10, 30, 20) },
        { id: "b", module: "testkit", points: [{ x: 1, y: 1 }, { x: 5, y: 5 }] },
        { id: "c", module: "no_such_module", points: rect(0, 0, 10, 10) },
        { id: "d", module: "testkit", points: rect(100, 60, 40, 40) },
        {
          id: "e",
          name: "rect form",
          module: "testkit",
          points: { x: 60, y: 0, width: 20, height: 10 },
        },
        {
          id: "f",
          module: "testkit",
          points: rect(0, 0, 8, 8),
          params: { mode: "fail", why: "x" },
        },
      ]);
      assert.deepEqual(results.map((r) => r.id), ["a", "b", "c", "d", "e", "f"]);
      assert.equal(results[0].text, "30x20");
      assert.equal(results[0].error, undefined);
      // red = column index, crop spans columns 10..39 → mean ≈ 24.5
      assert.ok(Math.abs((results[0].value ?? 0) - 24.5) <= 1, `mean ${results[0].value}`);
      assert.equal(results[1].error, 'ROI "b": points must have 4 corners, got 2');
      assert.equal(results[2].error, 'ROI "c": unknown module "no_such_module"');
      assert.match(
        results[3].error ?? "",
        /^ROI "d": corner 2 \(x=140, y=60\) lies outside the 120×80 frame/,
      );
      assert.equal(results[4].text, "20x10");
      assert.equal(results[4].name, "rect form");
      assert.equal(results[5].error, 'ROI "f": engine refused: x');
      assert.ok(results.every((r) => r.duration >= 0 && r.duration < 30));
    }),
});

Deno.test({
  name: "a frame's pixels are posted once per worker, not once per ROI",
  ...workerTest,
  fn: () =>
    withPool({ workers: 1 }, async (pool) => {
      const rois = Array.from({ length: 6 }, (_, i) => ({
        id: String(i),
        module: "testkit",
        points: rect(i * 10, 0, 10, 10),
      }));
      const results = await pool.readFrame(testFrame(), rois);
      assert.deepEqual(results.map((r) => r.text), Array(6).fill("10x10"));
      assert.equal(pool.stats().framePosts, 1);
      await pool.readFrame(testFrame(), rois);
      assert.equal(pool.stats().framePosts, 2);
    }),
});

Deno.test({
  name: "a worker that exits mid-task is replaced; its ROI says so and the next read works",
  ...workerTest,
  fn: () =>
    // Heartbeats would notice only after 30 s, past the deadline: the answer must come from the exit.
    withPool({ heartbeatTimeoutMs: 30_000 }, async (pool, logs) => {
      const [dead] = await pool.readFrame(testFrame(), [
        { id: "dead1", module: "testkit", points: rect(0, 0, 10, 10), params: { mode: "exit" } },
      ], { deadlineMs: 20_000 });
      assert.equal(dead.error, 'ROI "dead1": worker died: worker ended itself with Deno.exit(3)');
      await pool.ready();
      const [next] = await pool.readFrame(testFrame(), [
        { id: "after", module: "testkit", points: rect(0, 0, 12, 10) },
      ]);
      assert.equal(next.text, "12x10");
      assert.equal(pool.stats().restarts, 1);
      assert.equal(logs.length, 1);
    }),
});

Deno.test({
  name: "a worker that closes itself fails its ROI at once; a healthy ROI queued beside it is read",
  ...workerTest,
  fn: () =>
    withPool({ heartbeatTimeoutMs: 30_000 }, async (pool) => {
      const [closed, healthy] = await pool.readFrame(testFrame(), [
        { id: "c1", module: "testkit", points: rect(0, 0, 10, 10), params: { mode: "close" } },
        { id: "ok", module: "testkit", points: rect(0, 0, 14, 10) },
      ], { deadlineMs: 20_000 });
      assert.equal(closed.error, 'ROI "c1": worker died: worker ended itself with close()');
      assert.equal(healthy.error, undefined);
      assert.equal(healthy.text, "14x10");
    }),
});

Deno.test({
  name: "an engine throwing from a timer kills only its worker; the ROI names the error",
  ...workerTest,
  fn: () =>
    withPool({}, async (pool) => {
      const [dead] = await pool.readFrame(testFrame(), [
        {
          id: "t1",
          module: "testkit",
          points: rect(0, 0, 10, 10),
          params: { mode: "timer_throw" },
        },
      ], { deadlineMs: 20_000 });
      assert.match(dead.error ?? "", /^ROI "t1": worker died: uncaught error: .*boom from a timer/);
      const [next] = await pool.readFrame(testFrame(), [
        { id: "t2", module: "testkit", points: rect(0, 0, 10, 14) },
      ]);
      assert.equal(next.text, "10x14");
      assert.equal(pool.stats().restarts, 1);
    }),
});

Deno.test({
  name: "a task past its deadline answers with an error, and a worker overrunning it is replaced",
  ...workerTest,
  fn: () =>
    withPool({}, async (pool) => {
      const [late, queued] = await pool.readFrame(testFrame(), [
        {
          id: "slow",
          module: "testkit",
          points: rect(0, 0, 10, 10),
          params: { mode: "sleep", ms: 5000 },
        },
        { id: "waiting", module: "testkit", points: rect(0, 0, 10, 10) },
      ], { deadlineMs: 300 });
      assert.equal(late.error, 'ROI "slow": deadline of 300 ms passed while running on worker 1');
      assert.equal(queued.error, 'ROI "waiting": deadline of 300 ms passed while queued');
      const [next] = await pool.readFrame(testFrame(), [
        { id: "next", module: "testkit", points: rect(0, 0, 16, 10) },
      ], { deadlineMs: 20_000 });
      assert.equal(next.text, "16x10", next.error ?? "");
      assert.equal(pool.stats().restarts, 1, "the overrunning worker was replaced");
      assert.equal(pool.stats().failures, 2);
    }),
});

Deno.test({
  name: "a worker stuck in a synchronous loop misses heartbeats and is replaced",
  ...workerTest,
  fn: () =>
    withPool({ overrunMs: 60_000 }, async (pool, logs) => {
      // Bounded spin (3 s): Deno's terminate() cannot stop a spinning thread, so an endless loop
      // would burn a core for the rest of the test run.
      const [stuck] = await pool.readFrame(testFrame(), [
        {
          id: "spin",
          module: "testkit",
          points: rect(0, 0, 10, 10),
          params: { mode: "spin", ms: 3000 },
        },
      ], { deadlineMs: 400 });
      assert.equal(stuck.error, 'ROI "spin": deadline of 400 ms passed while running on worker 1');
      const [next] = await pool.readFrame(testFrame(), [
        { id: "next", module: "testkit", points: rect(0, 0, 10, 18) },
      ], { deadlineMs: 20_000 });
      assert.equal(next.text, "10x18");
      assert.match(logs.join("\n"), /no heartbeat for \d+ ms \(exited or stuck\)/);
    }),
});

Deno.test({
  name: "live work is dispatched before queued batch work",
  ...workerTest,
  fn: () =>
    withPool({}, async (pool) => {
      const done: string[] = [];
      const batchRois = ["b1", "b2", "b3"].map((id) => ({
        id,
        module: "testkit",
        points: rect(0, 0, 10, 10),
        params: { mode: "sleep", ms: 150 },
      }));
      const batch = pool.readFrame(testFrame(), batchRois, { priority: "batch" }).then(() =>
        done.push("batch")
      );
      const live = pool.readFrame(testFrame(), [
        { id: "l1", module: "testkit", points: rect(0, 0, 10, 10) },
      ], { priority: "live" }).then(() => done.push("live"));
      assert.equal(pool.stats().queued, 3, "b2, b3 and l1 wait; b1 runs");
      assert.equal(pool.stats().queuedLive, 1);
      await Promise.all([batch, live]);
      assert.deepEqual(done, ["live", "batch"]);
    }),
});

Deno.test({
  name: "preloaded engines are created before ready; a failing preload is logged, not fatal",
  ...workerTest,
  fn: async () => {
    const { dataDir } = await setup();
    await Deno.mkdir(`${dataDir}/inference_modules/broken`, { recursive: true });
    await Deno.writeTextFile(
      `${dataDir}/inference_modules/broken/descriptor.js`,
      `export const descriptor = { name: "broken", description: "d", output: "text",
        params: { safeParse: (v) => ({ success: true, data: v ?? {} }) },
        engineUrl: new URL("./engine.js", import.meta.url) };`,
    );
    await Deno.writeTextFile(
      `${dataDir}/inference_modules/broken/engine.js`,
      `export async function createEngine() { throw new Error("no model file"); }`,
    );
    const registry = await createRegistry({ dataDir });
    await withPool({ registry, preload: ["testkit", "broken"] }, async (pool, logs) => {
      assert.equal(pool.stats().ready, 1);
      assert.deepEqual(logs, [
        'inference worker 1: preload module "broken" failed to load: no model file',
      ]);
      const [ok, broken] = await pool.readFrame(testFrame(), [
        { id: "k", module: "testkit", points: rect(0, 0, 10, 10) },
        { id: "b", module: "broken", points: rect(0, 0, 10, 10) },
      ]);
      assert.equal(ok.text, "10x10");
      assert.equal(broken.error, 'ROI "b": module "broken" failed to load: no model file');
    });
  },
});

Deno.test({
  name: "close() answers queued work with 'pool closed' and later reads fail the same way",
  ...workerTest,
  fn: async () => {
    const { dataDir, registry } = await setup();
    const pool = new WorkerPool({
      registry,
      dataDir,
      workers: 1,
      log: () => {},
      isolateUserModules: false,
    });
    const pending = pool.readFrame(testFrame(), [
      { id: "q", module: "testkit", points: rect(0, 0, 10, 10) },
    ]);
    await pool.close();
    const [r] = await pending;
    assert.equal(r.error, 'ROI "q": pool closed');
    const [again] = await pool.readFrame(testFrame(), [
      { id: "z", module: "testkit", points: rect(0, 0, 10, 10) },
    ]);
    assert.equal(again.error, 'ROI "z": pool closed');
    assert.equal(pool.stats().workers, 0);
  },
});

Deno.test({
  name:
    "the pool starts one worker, adds one while reads wait near their deadline, retires it after",
  ...workerTest,
  fn: () =>
    withPool({ workers: 2, heartbeatTimeoutMs: 10_000 }, async (pool) => {
      assert.equal(pool.stats().workers, 1, "one worker at start");
      // 12 reads of 300 ms with a 3 s deadline: one worker needs 3.6 s, so the queue's oldest
      // read passes half its deadline while the worker is busy.
      const sleepy = Array.from({ length: 12 }, (_, i) => ({
        id: `s${i}`,
        module: "testkit",
        points: rect(0, 0, 10, 10),
        params: { mode: "sleep", ms: 300 },
      }));
      let grew = false;
      const reading = (async () => {
        for (let round = 0; round < 6 && !grew; round++) {
          await pool.readFrame(testFrame(), sleepy, { deadlineMs: 3000 });
        }
      })();
      await waitUntil(() => (grew = pool.stats().workers === 2), 30_000, "a second worker");
      await reading;
      // Idle now: the window (30 heartbeats of 100 ms) shows one worker carries nothing.
      await waitUntil(() => pool.stats().workers === 1, 30_000, "back to one worker");
      assert.equal(pool.stats().restarts, 0, "growing and shrinking are not restarts");
    }),
});

async function waitUntil(check: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
