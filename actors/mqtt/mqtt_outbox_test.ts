import assert from "node:assert/strict";
import { join } from "node:path";
import { AckWatch, MqttOutbox } from "./mqtt_outbox.ts";
import { OutboxDb } from "./mqtt_outbox_db.ts";
import { ManualClock } from "../runtime/mod.ts";

const msg = (n: number) => ({
  topic: "t",
  payload: String(n),
  qos: 1 as const,
  retain: false,
  queuedAt: n,
});

Deno.test("outbox: beyond the bound the oldest are dropped and counted", () => {
  const box = new MqttOutbox(3);
  for (let i = 0; i < 5; i++) box.push(msg(i));
  assert.deepEqual(box.stats(), { queued: 3, sent: 0, dropped: 2 });
  const taken = [box.take(0)!, box.take(0)!, box.take(0)!];
  assert.deepEqual(taken.map((t) => t.msg.payload), ["2", "3", "4"]);
  assert.equal(box.take(0), undefined);
  taken.forEach((t) => t.ack());
  assert.deepEqual(box.stats(), { queued: 0, sent: 3, dropped: 2 });
});

Deno.test("outbox: un-acked messages are sent again from the head after a requeue, in order", () => {
  const box = new MqttOutbox(10);
  for (let i = 0; i < 4; i++) box.push(msg(i));
  const a = box.take(1)!, b = box.take(2)!;
  box.take(3);
  b.ack(); // acknowledged out of order: counted, the head waits for `a`
  assert.equal(box.inflight(), 2);
  assert.equal(box.stats().queued, 3, "only what is not yet delivered waits");
  assert.equal(box.oldestInflightAt(), 1);
  box.requeue();
  assert.equal(box.inflight(), 0);
  const again = [box.take(4)!, box.take(4)!, box.take(4)!];
  assert.deepEqual(again.map((t) => t.msg.payload), ["0", "2", "3"]);
  a.ack(); // a late ack from the old connection still counts once
  again[0].ack();
  assert.equal(box.stats().sent, 2);
  again[1].ack();
  again[2].ack();
  assert.deepEqual(box.stats(), { queued: 0, sent: 4, dropped: 0 });
});

Deno.test("outbox: a fenced camera's messages wait in order while others go; forgotten ones are neither sent nor dropped", () => {
  const removed: number[] = [];
  const box = new MqttOutbox(10, {
    load: () => ({ messages: [], sent: 0, dropped: 0 }),
    add: () => {},
    remove: (seq) => void removed.push(seq),
    counters: () => {},
  });
  const of = (cam: string, n: number) => ({ ...msg(n), camId: cam });
  box.push(of("a", 1));
  box.push(of("b", 2));
  box.push(of("a", 3));
  box.push(msg(4)); // no camera (discovery, availability): never held
  let owned = new Set(["b"]);
  const may = (m: { camId?: string }) => owned.has(m.camId!);
  const first = [box.take(0, may)!, box.take(0, may)!];
  assert.deepEqual(first.map((t) => t.msg.payload), ["2", "4"]);
  assert.equal(box.take(0, may), undefined, "a's messages wait");
  first.forEach((t) => t.ack());
  assert.deepEqual(box.stats(), { queued: 2, sent: 2, dropped: 0 });
  // The lease comes back: a's messages go, in their order.
  owned = new Set(["a", "b"]);
  assert.deepEqual([box.take(0, may)!.msg.payload, box.take(0, may)!.msg.payload], ["1", "3"]);
  box.requeue();
  // Another node adopted them: forgotten, not sent, not dropped, stored copies not touched here.
  assert.equal(box.forget(new Set([1, 3])), 2);
  assert.equal(box.take(0, may), undefined);
  assert.deepEqual(box.stats(), { queued: 0, sent: 2, dropped: 0 });
  assert.deepEqual(removed, [2, 4], "only the acknowledged ones were removed from storage");
});

Deno.test("outbox: a smaller bound drops at once; a bad bound is refused", () => {
  const box = new MqttOutbox(5);
  for (let i = 0; i < 5; i++) box.push(msg(i));
  box.resize(2);
  assert.deepEqual(box.stats(), { queued: 2, sent: 0, dropped: 3 });
  assert.throws(() => new MqttOutbox(0), /invalid outbox capacity 0/);
});

Deno.test("ack watch: a re-check waits only for the time the oldest message has left", async () => {
  const clock = new ManualClock(0);
  const box = new MqttOutbox(10);
  const timeouts: { at: number; waited: number }[] = [];
  const watch = new AckWatch(clock, {
    limitMs: 5_000,
    oldest: () => box.oldestInflightAt(),
    onTimeout: (waited) => timeouts.push({ at: clock.now(), waited }),
  });
  box.push(msg(0));
  box.push(msg(1));
  const first = box.take(clock.now())!;
  watch.arm(); // due at 5 s
  await clock.advance(3_000);
  box.take(clock.now()); // sent at 3 s, never acknowledged
  await clock.advance(1_000);
  first.ack(); // at 4 s: the oldest in flight is now the one sent at 3 s
  await clock.advance(1_000); // the check at 5 s finds 2 s waited: re-armed for 3 s, not 5 s
  assert.deepEqual(timeouts, []);
  await clock.advance(3_000);
  assert.deepEqual(timeouts, [{ at: 8_000, waited: 5_000 }], "the deadline is 3 s + 5 s");
  watch.stop();
});

Deno.test("outbox persistence: a new outbox on the same file gets the queue, in order, and the counters", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const db = new OutboxDb(join(dir, "o.db"));
    const box = new MqttOutbox(4, db.persistence("a"));
    const other = new MqttOutbox(4, db.persistence("b"));
    for (let i = 0; i < 6; i++) box.push(msg(i)); // 0 and 1 dropped
    other.push(msg(100));
    box.take(0)!.ack(); // 2 delivered
    box.take(0); // 3 in flight when the process ends: sent again after the restart
    db.close();

    const db2 = new OutboxDb(join(dir, "o.db"));
    const again = new MqttOutbox(4, db2.persistence("a"));
    assert.deepEqual(again.stats(), { queued: 3, sent: 1, dropped: 2 });
    const taken = [again.take(0)!, again.take(0)!, again.take(0)!];
    assert.deepEqual(taken.map((t) => t.msg.payload), ["3", "4", "5"]);
    assert.deepEqual(taken[0].msg, msg(3));
    taken.forEach((t) => t.ack());
    for (let i = 6; i < 8; i++) again.push(msg(i)); // later messages sort after the stored ones
    db2.close();

    const db3 = new OutboxDb(join(dir, "o.db"));
    const smaller = new MqttOutbox(1, db3.persistence("a")); // a smaller bound drops the oldest
    assert.deepEqual(smaller.stats(), { queued: 1, sent: 4, dropped: 3 });
    assert.equal(smaller.take(0)!.msg.payload, "7");
    db3.keepOnly(["a"]); // "b" was deleted while the server was down
    db3.flush();
    assert.deepEqual(new MqttOutbox(4, db3.persistence("b")).stats(), {
      queued: 0,
      sent: 0,
      dropped: 0,
    });
    db3.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
