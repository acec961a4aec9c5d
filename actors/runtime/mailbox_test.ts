import assert from "node:assert/strict";
import { Mailbox } from "./mailbox.ts";

type M = { type: "frame"; n: number } | { type: "stop" };

Deno.test("mailbox drops the oldest frame notification and counts it", async () => {
  const box = new Mailbox<M>({
    capacity: 2,
    overflow: (m) => (m.type === "frame" ? "drop-oldest" : "block"),
  });
  for (let n = 1; n <= 4; n++) await box.put({ type: "frame", n });
  assert.deepEqual(box.stats().dropped, { frame: 2 });
  assert.deepEqual(await box.take(), { type: "frame", n: 3 });
  assert.deepEqual(await box.take(), { type: "frame", n: 4 });
});

Deno.test("mailbox never drops control messages: the sender waits for room", async () => {
  const box = new Mailbox<M>({ capacity: 1 });
  await box.put({ type: "stop" });
  let delivered = false;
  const p = box.put({ type: "stop" }).then(() => (delivered = true));
  await Promise.resolve();
  assert.equal(delivered, false);
  assert.equal(box.stats().blockedSenders, 1);
  await box.take();
  await p;
  assert.equal(delivered, true);
  assert.equal(box.stats().size, 1);
  assert.deepEqual(box.stats().dropped, {});
});

Deno.test("mailbox take waits for the next message", async () => {
  const box = new Mailbox<M>();
  const next = box.take();
  await box.put({ type: "frame", n: 7 });
  assert.deepEqual(await next, { type: "frame", n: 7 });
});
