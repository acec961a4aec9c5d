import assert from "node:assert/strict";
import { MqttOutbox } from "./mqtt_outbox.ts";

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

Deno.test("outbox: a smaller bound drops at once; a bad bound is refused", () => {
  const box = new MqttOutbox(5);
  for (let i = 0; i < 5; i++) box.push(msg(i));
  box.resize(2);
  assert.deepEqual(box.stats(), { queued: 2, sent: 0, dropped: 3 });
  assert.throws(() => new MqttOutbox(0), /invalid outbox capacity 0/);
});
