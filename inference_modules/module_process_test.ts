/**
 * User modules in their own process, with real `deno run` children: endless loops are killed for
 * real, deaths are noticed at once, repeat offenders are disabled until their files change, and
 * answers are bounded on their way to the log and the history DB.
 */
import assert from "node:assert/strict";
import { allocFrameData, type Frame } from "../actors/frame_sources/frame.ts";
import { createRegistry } from "./registry.ts";
import { makeTestDataDir, writeTestkit } from "./testing/test_modules.ts";
import { WorkerPool } from "./worker_pool.ts";
import type { RoiTask, WorkerPoolOptions } from "./pool_types.ts";
import { MAX_TEXT_BYTES } from "./output_limits.ts";
import { SourceStore } from "../storage/source_store.ts";
import { appendAggregated, RESULT_LOG_FILE } from "../storage/result_log.ts";
import { BatchDb } from "../storage/batch_db.ts";
import { liveRowsOf } from "../actors/results/results_history.ts";
import type { FrameResult } from "../actors/jobs/result_bus.ts";

function testFrame(): Frame {
  const data = allocFrameData(64, 48);
  for (let i = 0; i < 64 * 48; i++) data[i * 4 + 3] = 255;
  return { width: 64, height: 48, data, seq: 1, time: Date.now() };
}

const roi = (id: string, module: string, params: Record<string, unknown> = {}): RoiTask => ({
  id,
  module,
  points: [{ x: 0, y: 0 }, { x: 10, y: 0 }, { x: 10, y: 10 }, { x: 0, y: 10 }],
  params,
});

/** Lines of the pool's log, with a way to await the first that matches. */
class Log {
  readonly lines: string[] = [];
  #waiters: { re: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  readonly push = (line: string): void => {
    this.lines.push(line);
    for (const w of [...this.#waiters]) {
      const m = line.match(w.re);
      if (m) {
        this.#waiters.splice(this.#waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  };
  /** The first line (logged already or within 30 s) matching `re`. */
  waitFor(re: RegExp): Promise<RegExpMatchArray> {
    for (const line of this.lines) {
      const m = line.match(re);
      if (m) return Promise.resolve(m);
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const found = new Promise<RegExpMatchArray>((resolve) => this.#waiters.push({ re, resolve }));
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no log line matched ${re} in 30 s`)), 30_000);
    });
    return Promise.race([found, late]).finally(() => clearTimeout(timer));
  }
}

async function withPool(
  opts: Partial<WorkerPoolOptions> & { dataDir?: string },
  body: (pool: WorkerPool, log: Log, dataDir: string) => Promise<void>,
): Promise<void> {
  const dataDir = opts.dataDir ?? await makeTestDataDir();
  const log = new Log();
  const registry = await createRegistry({ dataDir, log: log.push });
  const pool = new WorkerPool({
    registry,
    dataDir,
    workers: 1,
    heartbeatMs: 200,
    // Long on purpose: a death must be noticed from the exit itself, not a missed heartbeat.
    heartbeatTimeoutMs: 60_000,
    log: log.push,
    isolateUserModules: true,
    // The worker loads opencv.js before ready (it would with its first task): the deadlines
    // below are about the module process, not about a cold worker on a loaded machine.
    preload: ["light_button"],
    ...opts,
  });
  try {
    await pool.ready();
    await body(pool, log, dataDir);
  } finally {
    await pool.close();
    await Deno.remove(dataDir, { recursive: true });
  }
}

/** Children of this test process that run module_host.ts: `[pid, state]`. */
async function moduleHosts(): Promise<[number, string][]> {
  const out: [number, string][] = [];
  for await (const e of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      const stat = await Deno.readTextFile(`/proc/${e.name}/stat`);
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[1]) !== Deno.pid) continue;
      const cmd = await Deno.readTextFile(`/proc/${e.name}/cmdline`);
      if (cmd.includes("module_host.ts")) out.push([Number(e.name), fields[0]]);
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err; // the process ended meanwhile
    }
  }
  return out;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

const procTest = { sanitizeResources: false, sanitizeOps: false };

Deno.test({
  name: "a user module looping for ever gets a deadline error and its process is really gone",
  ...procTest,
  fn: () =>
    withPool({}, async (pool, log) => {
      const [looped] = await pool.readFrame(
        testFrame(),
        [roi("spin", "testkit", { mode: "loop" })],
        {
          deadlineMs: 3000,
        },
      );
      assert.equal(
        looped.error,
        'ROI "spin": deadline of 3000 ms passed while running in its module process (killed)',
      );
      const [, pid] = await log.waitFor(
        /user module "testkit" process (\d+) ended: ROI "spin" passed its deadline of 3000 ms/,
      );
      assert.equal(await exists(`/proc/${pid}`), false, "the looping process is reaped");
      const [next] = await pool.readFrame(testFrame(), [roi("next", "testkit")], {
        deadlineMs: 30_000,
      });
      assert.equal(next.text, "10x10");
      // One process left, the replacement, and it is the one that just answered.
      const hosts = await moduleHosts();
      assert.equal(hosts.length, 1, `module processes: ${JSON.stringify(hosts)}`);
      assert.notEqual(hosts[0][0], Number(pid));
      assert.equal(pool.moduleStatus("testkit")?.pid, hosts[0][0]);
      assert.equal(pool.moduleStatus("testkit")?.deaths, 1);
    }),
});

Deno.test({
  name: "a module process that exits or throws fails its ROI at once; the next ROI is read",
  ...procTest,
  fn: () =>
    withPool({}, async (pool) => {
      const results = await pool.readFrame(testFrame(), [
        roi("a_exit", "testkit", { mode: "exit" }),
        roi("b_ok", "testkit"),
        roi("c_timer", "testkit", { mode: "timer_throw" }),
        roi("d_ok", "testkit"),
      ], { deadlineMs: 60_000 });
      assert.equal(results[0].error, 'ROI "a_exit": worker died: process exited with code 3');
      assert.equal(results[1].error, undefined);
      assert.equal(results[1].text, "10x10");
      assert.match(
        results[2].error ?? "",
        /^ROI "c_timer": worker died: process exited with code 1: error: Uncaught .*boom from a timer/,
      );
      assert.equal(results[3].text, "10x10");
      // The deadline (60 s) and heartbeat timeout (60 s) were far off: only the exits explain it.
      assert.ok(results.every((r) => r.duration < 60), JSON.stringify(results));
    }),
});

Deno.test({
  name:
    "a module writing to stdout itself is killed for breaking the protocol; console.log is fine",
  ...procTest,
  fn: () =>
    withPool({}, async (pool, log) => {
      const [broke, next] = await pool.readFrame(testFrame(), [
        roi("s", "testkit", { mode: "stdout" }),
        roi("n", "testkit"),
      ], { deadlineMs: 60_000 });
      assert.match(broke.error ?? "", /^ROI "s": worker died: broke the protocol on stdout: /);
      assert.equal(next.text, "10x10");
      await log.waitFor(/user module "testkit": console output goes to stderr/);
    }),
});

Deno.test({
  name: "3 deaths in a minute disable a module with its reason until its files change",
  ...procTest,
  fn: async () => {
    const dataDir = await makeTestDataDir();
    const folder = await writeTestkit(dataDir, "crashy");
    let now = 0;
    await withPool({ dataDir, clock: () => now }, async (pool) => {
      for (const id of ["1", "2", "3"]) {
        const [r] = await pool.readFrame(testFrame(), [roi(id, "crashy", { mode: "exit" })]);
        assert.equal(r.error, `ROI "${id}": worker died: process exited with code 3`);
      }
      const reason = 'module "crashy" disabled: its process died 3 times in 60 s ' +
        "(last: process exited with code 3); change its files to enable it again";
      assert.deepEqual(pool.moduleStatus("crashy"), {
        state: "disabled",
        deaths: 3,
        disabled_reason: reason,
      });
      const [off, other] = await pool.readFrame(testFrame(), [
        roi("4", "crashy"),
        roi("5", "testkit"),
      ]);
      assert.equal(off.error, `ROI "4": ${reason}`);
      assert.equal(other.text, "10x10", "other modules keep working");
      now += 5000;
      const [still] = await pool.readFrame(testFrame(), [roi("6", "crashy")]);
      assert.equal(still.error, `ROI "6": ${reason}`, "unchanged files keep it disabled");
      await Deno.writeTextFile(`${folder}/engine.js`, "\n// fixed\n", { append: true });
      now += 5000;
      const [back] = await pool.readFrame(testFrame(), [roi("7", "crashy")], {
        deadlineMs: 30_000,
      });
      assert.equal(back.error, undefined);
      assert.equal(back.text, "10x10");
      assert.equal(pool.moduleStatus("crashy")?.state, "ready");
    });
  },
});

Deno.test({
  name: "deaths spread over more than a minute do not disable a module",
  ...procTest,
  fn: async () => {
    const dataDir = await makeTestDataDir();
    await writeTestkit(dataDir, "crashy");
    let now = 0;
    await withPool({ dataDir, clock: () => now }, async (pool) => {
      for (const t of [0, 30_000, 61_000]) {
        now = t;
        const [r] = await pool.readFrame(testFrame(), [roi("x", "crashy", { mode: "exit" })]);
        assert.equal(r.error, 'ROI "x": worker died: process exited with code 3');
      }
      assert.notEqual(pool.moduleStatus("crashy")?.state, "disabled");
      assert.equal(pool.moduleStatus("crashy")?.deaths, 3);
    });
  },
});

Deno.test({
  name:
    "a module process cannot write, read the data dir or reach the network unless it declares it",
  ...procTest,
  fn: async () => {
    const dataDir = await makeTestDataDir();
    await Deno.writeTextFile(`${dataDir}/.access_token`, "secret");
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      () => new Response("hi"),
    );
    const url = `http://127.0.0.1:${server.addr.port}/`;
    await writeTestkit(dataDir, "netted", {
      net: [`127.0.0.1:${server.addr.port}`],
      read: ["models"],
    });
    await Deno.mkdir(`${dataDir}/models`);
    await Deno.writeTextFile(`${dataDir}/models/m.txt`, "weights");
    try {
      await withPool({ dataDir }, async (pool) => {
        const params = {
          mode: "probe",
          write: `${dataDir}/owned`,
          read: `${dataDir}/.access_token`,
          url,
        };
        const [plain, netted, model] = await pool.readFrame(testFrame(), [
          roi("p", "testkit", params),
          roi("n", "netted", params),
          roi("m", "netted", { ...params, read: `${dataDir}/models/m.txt` }),
        ], { deadlineMs: 30_000 });
        assert.equal(JSON.parse(model.text).read, "ok", "a declared data-dir path is readable");
        assert.deepEqual(JSON.parse(plain.text), {
          write: "NotCapable",
          read: "NotCapable",
          net: "NotCapable",
        });
        assert.deepEqual(JSON.parse(netted.text), {
          write: "NotCapable",
          read: "NotCapable",
          net: "ok",
        });
        assert.equal(await exists(`${dataDir}/owned`), false);
      });
    } finally {
      await server.shutdown();
    }
  },
});

Deno.test({
  name: "a module answering 64 MB of text is cut to 4 KiB and flagged; log and DB stay bounded",
  ...procTest,
  fn: () =>
    withPool({}, async (pool, _log, dataDir) => {
      const sources = new SourceStore(dataDir);
      await sources.create({ name: "cam", source: "demo" });
      const db = new BatchDb(dataDir);
      try {
        const frames = 5;
        for (let i = 0; i < frames; i++) {
          const results = await pool.readFrame(testFrame(), [
            roi("big", "testkit", { mode: "huge", bytes: 64 * 1024 * 1024, dataBytes: 1_000_000 }),
            roi("ok", "testkit"),
          ], { deadlineMs: 60_000 });
          const [big, ok] = results;
          assert.equal(big.error, undefined);
          assert.equal(big.text, "x".repeat(MAX_TEXT_BYTES));
          assert.equal(big.truncated, true);
          assert.equal(big.data, undefined, "1 MB of data is dropped");
          assert.equal(ok.truncated, undefined);
          const result: FrameResult = {
            frame_time: 1,
            result_time: 2,
            cam_id: "c",
            source: "cam",
            group: "",
            frame_duration: 1,
            results: results.map((r) => ({
              ...r,
              group: "",
              cam_id: "c",
              source: "cam",
              frame_time: 1,
              result_time: 2,
            })),
          };
          await appendAggregated(sources, "cam", result as never);
          db.insertLive(liveRowsOf(result));
        }
        const logBytes = (await Deno.stat(`${dataDir}/cam/${RESULT_LOG_FILE}`)).size;
        assert.ok(logBytes < frames * 6000, `custom.log ${logBytes} bytes`);
        const texts = db.liveRows({}).map((r) => r.text.length);
        assert.equal(Math.max(...texts), MAX_TEXT_BYTES);
      } finally {
        db.close();
      }
    }),
});
