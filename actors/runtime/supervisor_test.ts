import assert from "node:assert/strict";
import { Actor, type ExitInfo } from "./actor.ts";
import { flushMicrotasks, ManualClock } from "./clock.ts";
import { type ChildStatus, Supervisor } from "./supervisor.ts";

type Msg = { type: "crash"; reason: string } | { type: "ping" };

/** A child whose crashes the test triggers by message. */
class Flaky extends Actor<Msg, { status: string; pings: number }> {
  constructor(id: string, clock: ManualClock) {
    super(id, { status: "running", pings: 0 }, { clock });
  }
  protected receive(msg: Msg): void {
    if (msg.type === "crash") throw new Error(msg.reason);
    this.update({ pings: this.snapshot().pings + 1 });
  }
}

function setup(kind: "permanent" | "transient" | "temporary" = "permanent") {
  const clock = new ManualClock();
  const sup = new Supervisor<Flaky>({ clock, random: () => 0.5 }); // 0.5 → no jitter
  const created: Flaky[] = [];
  const spec = {
    id: "cam",
    kind,
    create: () => {
      const a = new Flaky("cam", clock);
      created.push(a);
      return a;
    },
  };
  return { clock, sup, created, spec };
}

async function crashCurrent(sup: Supervisor<Flaky>, reason = "boom"): Promise<ExitInfo> {
  const a = sup.instance("cam");
  assert.ok(a, "a running instance");
  await a.send({ type: "crash", reason });
  const exit = await a.exited;
  await flushMicrotasks();
  return exit;
}

Deno.test("supervisor restarts a crashing child with growing delays", async () => {
  const { clock, sup, created, spec } = setup();
  await sup.startChild(spec);
  const delays: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = clock.now();
    await crashCurrent(sup);
    const st = sup.status("cam") as ChildStatus;
    assert.equal(st.state, "restarting");
    assert.equal(st.lastError, "boom");
    delays.push(st.nextRestartAt! - t0);
    await clock.advance(delays[i] - 1);
    assert.equal(sup.status("cam")!.state, "restarting", "not before its delay");
    await clock.advance(1);
    assert.equal(sup.status("cam")!.state, "running");
  }
  assert.deepEqual(delays, [500, 1000, 2000]);
  assert.equal(created.length, 4);
  assert.equal(sup.status("cam")!.restarts, 3);
});

Deno.test("supervisor parks a child as failed after 6 crashes within 60 s", async () => {
  const { clock, sup, spec } = setup();
  await sup.startChild(spec);
  for (let i = 0; i < 5; i++) {
    await crashCurrent(sup, `crash ${i + 1}`);
    await clock.advance(sup.status("cam")!.nextRestartAt! - clock.now());
    assert.equal(sup.status("cam")!.state, "running");
  }
  assert.ok(clock.now() - 1_700_000_000_000 < 60_000);
  await crashCurrent(sup, "crash 6");
  const st = sup.status("cam")!;
  assert.equal(st.state, "failed");
  assert.equal(st.lastError, "crash 6");
  assert.equal(st.restarts, 5);
  assert.equal(clock.pending, 0, "no restart scheduled once failed");
});

Deno.test("supervisor resets the backoff after a stable minute", async () => {
  const { clock, sup, spec } = setup();
  await sup.startChild(spec);
  await crashCurrent(sup);
  await clock.advance(500);
  await crashCurrent(sup);
  await clock.advance(1000);
  await clock.advance(61_000); // stable for a minute
  const t0 = clock.now();
  await crashCurrent(sup);
  assert.equal(sup.status("cam")!.nextRestartAt! - t0, 500);
});

Deno.test("supervisor caps the delay at 30 s and jitters within ±20 %", async () => {
  const { nextRestartDelay, DEFAULT_RESTART_POLICY: p } = await import("./restart_policy.ts");
  assert.equal(nextRestartDelay(p, 10, () => 0.5), 30_000);
  assert.equal(nextRestartDelay(p, 0, () => 0), 400);
  assert.equal(nextRestartDelay(p, 0, () => 0.999999), 600);
  assert.equal(nextRestartDelay(p, 20, () => 0.999999), 30_000);
});

Deno.test("supervisor keeps delays at the early cap for the first minute of failures, then backs off", async () => {
  const clock = new ManualClock();
  const sup = new Supervisor<Flaky>({
    clock,
    random: () => 0.5,
    policy: {
      initialDelayMs: 500,
      maxDelayMs: 5_000,
      earlyMaxDelayMs: 1_000,
      earlyWindowMs: 60_000,
      maxRestarts: Infinity,
    },
  });
  await sup.startChild({ id: "cam", kind: "permanent", create: () => new Flaky("cam", clock) });
  const t0 = clock.now();
  const delays: number[] = [];
  while (clock.now() - t0 < 70_000) {
    await crashCurrent(sup);
    const st = sup.status("cam")!;
    delays.push(st.nextRestartAt! - clock.now());
    await clock.advance(st.nextRestartAt! - clock.now());
  }
  const early = delays.slice(0, delays.findIndex((d) => d > 1_000));
  assert.deepEqual(early.slice(0, 3), [500, 1_000, 1_000]);
  assert.ok(early.length >= 59, `${early.length} restarts at most 1 s apart in the first minute`);
  assert.equal(delays.at(-1), 5_000, "past the first minute the normal backoff applies");
});

Deno.test("transient children are not restarted after a normal exit, temporary ones never", async () => {
  for (const kind of ["transient", "temporary"] as const) {
    const { sup, spec } = setup(kind);
    await sup.startChild(spec);
    const a = sup.instance("cam")!;
    await a.stop();
    await flushMicrotasks();
    assert.equal(sup.status("cam")!.state, "stopped", kind);
  }
  const { sup, spec } = setup("temporary");
  await sup.startChild(spec);
  await crashCurrent(sup);
  assert.equal(sup.status("cam")!.state, "failed");
});

Deno.test("a fatal exit parks the child at once", async () => {
  const { sup, spec, clock } = setup();
  await sup.startChild(spec);
  const a = sup.instance("cam")!;
  (a as unknown as { crash(e: Error, r: string): void }).crash(new Error("no such file"), "fatal");
  await a.exited;
  await flushMicrotasks();
  assert.equal(sup.status("cam")!.state, "failed");
  assert.equal(sup.status("cam")!.lastError, "no such file");
  assert.equal(clock.pending, 0);
});

Deno.test("stopAll stops children in reverse start order", async () => {
  const clock = new ManualClock();
  const sup = new Supervisor<Flaky>({ clock });
  const order: string[] = [];
  for (const id of ["a", "b", "c"]) {
    await sup.startChild({
      id,
      kind: "permanent",
      create: () => {
        const f = new Flaky(id, clock);
        f.exited.then(() => order.push(id));
        return f;
      },
    });
  }
  await sup.stopAll();
  assert.deepEqual(order, ["c", "b", "a"]);
  assert.deepEqual(sup.ids(), []);
});
