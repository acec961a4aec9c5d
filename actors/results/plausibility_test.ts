import assert from "node:assert/strict";
import { join } from "node:path";
import { ManualClock } from "../runtime/mod.ts";
import type { FrameResult, RoiResultEntry } from "../jobs/result_bus.ts";
import { Plausibility } from "./plausibility.ts";
import type { RoiRules } from "./plausibility_rules.ts";

function frame(texts: Record<string, string>, extra: Partial<RoiResultEntry> = {}): FrameResult {
  const results = Object.entries(texts).map(([id, text]): RoiResultEntry => ({
    id,
    name: id,
    text,
    module: "digits",
    group: "",
    cam_id: "cam1",
    source: "meter",
    frame_time: 0,
    result_time: 0,
    duration: 0.01,
    ...extra,
  }));
  return {
    frame_time: 0,
    result_time: 0,
    cam_id: "cam1",
    source: "meter",
    group: "",
    frame_duration: 0,
    results,
  };
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "visionroi-prevalues-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("plausibility: judges entries in place, counts rejections, leaves ROIs without rules alone", async () => {
  await withDir(async (dir) => {
    const clock = new ManualClock();
    const rejected: string[] = [];
    const p = new Plausibility({
      path: join(dir, "prevalues.json"),
      clock,
      onReject: (module, kind) => rejected.push(`${module}:${kind}`),
    });
    const rules: Record<string, RoiRules> = { m: { max_rate_per_min: 10 } };
    const rulesOf = (id: string) => rules[id];
    const first = frame({ m: "100", free: "abc" });
    p.judge(first, rulesOf);
    assert.equal(first.results[0].status, "accepted");
    assert.equal(first.results[0].value, 100);
    assert.equal(first.results[1].status, undefined, "no rules: no status");
    assert.equal(first.results[1].value, undefined);
    await clock.advance(60_000);
    const jump = frame({ m: "137" });
    p.judge(jump, rulesOf);
    assert.equal(jump.results[0].status, "rejected");
    assert.equal(jump.results[0].reason, "rate 37/min > 10/min");
    assert.equal(jump.results[0].value, 137);
    assert.deepEqual(rejected, ["digits:max_rate"]);
    const view = p.get("meter", "m")!;
    assert.equal(view.value, 100, "the last accepted value stays current");
    assert.equal(view.time, 1_700_000_000);
    assert.equal(view.last?.status, "rejected");
    assert.equal(view.last?.reason, "rate 37/min > 10/min");
    // An error entry is not a reading: rejected, and the PreValue stays.
    const failed = frame({ m: "" }, { error: "timeout" });
    p.judge(failed, rulesOf);
    assert.equal(failed.results[0].status, "rejected");
    assert.equal(failed.results[0].reason, "read failed: timeout");
    assert.equal(p.get("meter", "m")!.value, 100);
    await p.flush();
  });
});

Deno.test("plausibility: rules come from the caller on every frame, so an edit applies at once", async () => {
  await withDir(async (dir) => {
    const p = new Plausibility({ path: join(dir, "prevalues.json"), clock: new ManualClock() });
    let rules: RoiRules | undefined = undefined;
    const a = frame({ m: "500" });
    p.judge(a, () => rules);
    assert.equal(a.results[0].status, undefined);
    rules = { max: 100 };
    const b = frame({ m: "500" });
    p.judge(b, () => rules);
    assert.equal(b.results[0].status, "rejected");
    assert.equal(b.results[0].reason, "value 500 > max 100");
    await p.flush();
  });
});

Deno.test("plausibility: PreValues persist (coalesced writes, flush), and a hand-set value wins", async () => {
  await withDir(async (dir) => {
    const path = join(dir, "prevalues.json");
    const clock = new ManualClock();
    const p = new Plausibility({ path, clock, flushMs: 1000 });
    const rulesOf = () => ({ max_delta: 5, confirm_after: 3 });
    p.judge(frame({ m: "100" }), rulesOf);
    p.judge(frame({ m: "500" }), rulesOf);
    assert.equal(clock.pending, 1, "one write scheduled for both changes");
    await clock.advance(1000);
    await p.flush();
    const again = new Plausibility({ path, clock });
    await again.load();
    assert.equal(again.get("meter", "m")?.value, 100);
    assert.deepEqual(again.get("meter", "m")?.pending, { value: 500, count: 1 });
    const set = await again.setPreValue("meter", "m", 480);
    assert.equal(set.value, 480);
    assert.equal(set.pending, null, "setting by hand clears a pending level");
    const third = new Plausibility({ path, clock });
    await third.load();
    assert.equal(third.get("meter", "m")?.value, 480);
    const next = frame({ m: "483" });
    third.judge(next, rulesOf);
    assert.equal(next.results[0].status, "accepted", "judged against the hand-set PreValue");
    await third.flush();
  });
});

Deno.test("plausibility: the file is bounded to maxRois, least recently judged first out", async () => {
  await withDir(async (dir) => {
    const path = join(dir, "prevalues.json");
    const p = new Plausibility({ path, clock: new ManualClock(), maxRois: 3 });
    const rulesOf = () => ({});
    for (const id of ["a", "b", "c"]) p.judge(frame({ [id]: "1" }), rulesOf);
    p.judge(frame({ a: "2" }), rulesOf);
    p.judge(frame({ d: "1" }), rulesOf);
    await p.flush();
    assert.equal(p.evicted, 1);
    const doc = JSON.parse(await Deno.readTextFile(path));
    assert.deepEqual(doc.rois.map((e: { roi_id: string }) => e.roi_id).sort(), ["a", "c", "d"]);
  });
});

Deno.test("plausibility: a damaged file is reported and replaced, a missing one is empty", async () => {
  await withDir(async (dir) => {
    const path = join(dir, "prevalues.json");
    const lines: string[] = [];
    const fresh = new Plausibility({ path, log: (l) => lines.push(l) });
    await fresh.load();
    assert.deepEqual(fresh.list("meter"), []);
    await Deno.writeTextFile(path, "{not json");
    const p = new Plausibility({ path, log: (l) => lines.push(l) });
    await p.load();
    assert.equal(lines.length, 1);
    assert.match(lines[0], /not read/);
    await p.setPreValue("meter", "m", 1);
    assert.equal(JSON.parse(await Deno.readTextFile(path)).rois[0].state.value, 1);
  });
});

Deno.test("plausibility: a lamp ROI without `numeric` is judged on its text; a digits ROI is not", async () => {
  await withDir(async (dir) => {
    const rejected: string[] = [];
    const p = new Plausibility({
      path: join(dir, "prevalues.json"),
      clock: new ManualClock(),
      onReject: (module, kind) => rejected.push(`${module}:${kind}`),
    });
    const rules: Record<string, RoiRules> = {
      lamp: { on_change_only: true },
      lamp_numeric: { numeric: true },
      meter: { on_change_only: true },
    };
    const rulesOf = (id: string) => rules[id];
    const read = (lamp: string) => {
      const f = frame({ lamp, lamp_numeric: lamp }, { module: "light_button" });
      f.results.push(frame({ meter: lamp }).results[0]);
      p.judge(f, rulesOf);
      return f.results.map((e) => [e.status, e.unchanged ?? false, e.value ?? null]);
    };
    assert.deepEqual(read("on"), [
      ["accepted", false, null],
      ["rejected", false, null],
      ["rejected", false, null],
    ]);
    assert.deepEqual(read("on")[0], ["accepted", true, null], "a repeat is held back");
    assert.deepEqual(read("off")[0], ["accepted", false, null]);
    assert.deepEqual(p.get("meter", "lamp")?.last?.text, "off");
    assert.equal(p.get("meter", "lamp")?.last?.reason, undefined);
    // Asked for explicitly, numeric still applies to a lamp; a digits ROI defaults to numeric.
    assert.deepEqual(
      rejected,
      Array(6).fill(0).map((_, i) => i % 2 ? "digits:not_numeric" : "light_button:not_numeric"),
    );
    await p.flush();
    const saved = JSON.parse(await Deno.readTextFile(join(dir, "prevalues.json")));
    const lamp = saved.rois.find((e: { roi_id: string }) => e.roi_id === "lamp");
    assert.deepEqual([lamp.state.value, lamp.state.text], [null, "off"]);
  });
});

Deno.test("plausibility: a failed read of an ROI with rules is rejected and leaves the PreValue", async () => {
  await withDir(async (dir) => {
    const kinds: string[] = [];
    const p = new Plausibility({
      path: join(dir, "prevalues.json"),
      clock: new ManualClock(),
      onReject: (_module, kind) => kinds.push(kind),
    });
    const rulesOf = (id: string) => (id === "m" ? { min: 0 } : undefined);
    p.judge(frame({ m: "42" }), rulesOf);
    const failed = frame({ m: "", free: "" }, { error: "worker died: exit 1", value: 7 });
    p.judge(failed, rulesOf);
    assert.equal(failed.results[0].status, "rejected");
    assert.equal(failed.results[0].reason, "read failed: worker died: exit 1");
    assert.equal(failed.results[0].value, undefined);
    assert.equal(failed.results[1].status, undefined, "no rules: an error stays as it was");
    assert.deepEqual(kinds, ["error"]);
    assert.equal(p.get("meter", "m")?.value, 42);
    assert.equal(p.get("meter", "m")?.last?.status, "rejected");
    await p.flush();
  });
});
