import assert from "node:assert/strict";
import { abortableSleep, pacedTicks } from "./pacing.ts";

/** A clock that only moves when the fake sleep (or the test) moves it. */
function fakeTime(start = 1_000_000) {
  const waits: number[] = [];
  let t = start;
  return {
    waits,
    now: () => t,
    advance: (ms: number) => void (t += ms),
    sleep: (ms: number) => {
      waits.push(ms);
      t += ms;
      return Promise.resolve();
    },
  };
}

Deno.test("paced ticks come at once, then every 1/fps seconds", async () => {
  const time = fakeTime();
  const ac = new AbortController();
  const ticks: number[] = [];
  for await (const t of pacedTicks(4, { signal: ac.signal, now: time.now, sleep: time.sleep })) {
    ticks.push(t - 1_000_000);
    if (ticks.length === 3) ac.abort();
  }
  assert.deepEqual(ticks, [0, 250, 500]);
  assert.deepEqual(time.waits, [250, 250]);
});

Deno.test("a consumer that takes longer than an interval skips ticks instead of bursting", async () => {
  const time = fakeTime();
  const ac = new AbortController();
  const ticks: number[] = [];
  for await (const t of pacedTicks(10, { signal: ac.signal, now: time.now, sleep: time.sleep })) {
    ticks.push(t - 1_000_000);
    if (ticks.length === 1) time.advance(350); // a slow consumer: three and a half intervals
    if (ticks.length === 3) ac.abort();
  }
  // One overdue tick at once, then back on the 100 ms grid: the three missed ticks are not replayed.
  assert.deepEqual(ticks, [0, 350, 400]);
});

Deno.test("abortableSleep returns as soon as the signal aborts and leaves no timer behind", async () => {
  const ac = new AbortController();
  const sleeping = abortableSleep(60_000, ac.signal);
  ac.abort();
  assert.equal(await sleeping, undefined);
});
