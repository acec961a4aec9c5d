import assert from "node:assert/strict";
import type { KvWatchEntry } from "@nats-io/kv";
import { keepWatching } from "./kv_backend.ts";
import { waitFor } from "../../tests/helpers/wait.ts";

/** A watch whose entries are pushed by the test; its iterator ends when it is stopped. */
function fakeWatch() {
  const queue: KvWatchEntry[] = [];
  let wake: (() => void) | undefined;
  const w = {
    stopped: false,
    push(e: Partial<KvWatchEntry>) {
      queue.push(e as KvWatchEntry);
      wake?.();
    },
    stop() {
      w.stopped = true;
      wake?.();
    },
    async *[Symbol.asyncIterator]() {
      while (!w.stopped) {
        const e = queue.shift();
        if (e) yield e;
        else await new Promise<void>((r) => (wake = r));
      }
    },
  };
  return w;
}

Deno.test("keepWatching: a restart that hangs fails after restartMs and is tried again; the late watch is stopped", async () => {
  const first = fakeWatch();
  const hung = fakeWatch();
  const good = fakeWatch();
  let releaseHung: (() => void) | undefined;
  const calls: boolean[] = [];
  const lines: string[] = [];
  const got: string[] = [];
  const stop = await keepWatching(
    undefined,
    (again) => {
      calls.push(again);
      if (calls.length === 1) return Promise.resolve(first);
      if (calls.length === 2) {
        return new Promise((resolve) => (releaseHung = () => resolve(hung)));
      }
      return Promise.resolve(good);
    },
    (e) => got.push(e.key),
    { checkMs: 20, restartMs: 100, log: (l) => lines.push(l) },
  );
  try {
    first.stop(); // its iterator ends: the watch has stopped delivering
    await waitFor(() => calls.length >= 3, { timeoutMs: 5_000, what: "a third watch" });
    assert.deepEqual(calls.slice(0, 3), [false, true, true]);
    assert.ok(
      lines.some((l) => /not restarted \(stopped\).*took over 100 ms/.test(l)),
      lines.join("\n"),
    );
    good.push({ key: "k", revision: 1 });
    await waitFor(() => got.includes("k"), {
      timeoutMs: 5_000,
      what: `the entry (${calls.length} calls; ${lines.join(" / ")})`,
    });
    releaseHung!();
    await waitFor(() => hung.stopped, { timeoutMs: 5_000, what: "the late watch stopped" });
    assert.equal(good.stopped, false, "the watch in use keeps going");
  } finally {
    stop();
  }
});
