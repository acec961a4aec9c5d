import assert from "node:assert/strict";
import { ManualClock } from "../actors/runtime/clock.ts";
import { type SenderSocket, utf8Length, WsSender } from "./ws_sender.ts";

/** A socket whose queue only shrinks when the test says the peer read (as Deno's does). */
class PeerSocket implements SenderSocket {
  readyState = 1;
  bufferedAmount = 0;
  /** Every message the socket accepted, in order. */
  sent: string[] = [];
  closes: { code?: number; reason?: string }[] = [];

  send(data: string | Uint8Array<ArrayBuffer>): void {
    const text = typeof data === "string" ? data : new TextDecoder().decode(data);
    this.bufferedAmount += utf8Length(text);
    this.sent.push(text);
  }

  close(code?: number, reason?: string): void {
    this.closes.push({ code, reason });
    this.readyState = 2;
  }

  /** The peer reads `n` bytes (all by default). */
  read(n = Infinity): void {
    this.bufferedAmount = Math.max(0, this.bufferedAmount - n);
  }
}

const msg = (i: number) => `m${String(i).padStart(3, "0")}`.padEnd(100, "."); // 100 bytes

Deno.test("a client that keeps up gets every message in order and nothing is dropped", () => {
  const ws = new PeerSocket();
  const drops: number[] = [];
  const sender = new WsSender(ws, {
    maxBytes: 1_000,
    clock: new ManualClock(),
    onDrop: (n) => drops.push(n),
  });
  for (let i = 0; i < 500; i++) {
    sender.send(msg(i));
    if (i % 5 === 4) ws.read();
  }
  assert.deepEqual(ws.sent, Array.from({ length: 500 }, (_, i) => msg(i)));
  assert.equal(sender.dropped, 0);
  assert.deepEqual(drops, []);
});

Deno.test("a client that stops reading holds at most maxBytes; the oldest waiting messages drop, counted", async () => {
  const clock = new ManualClock();
  const ws = new PeerSocket();
  let counted = 0;
  const sender = new WsSender(ws, {
    maxBytes: 1_000,
    clock,
    stallCloseMs: 60_000,
    onDrop: (n) => (counted += n),
  });
  for (let i = 0; i < 100; i++) {
    sender.send(msg(i));
    await clock.advance(10);
  }
  // 5 messages fill the socket's half; 5 more may wait beside them; the 90 older ones drop.
  assert.equal(ws.sent.length, 5);
  assert.equal(ws.bufferedAmount, 500);
  assert.ok(sender.backlogged);
  assert.equal(sender.dropped, 90);
  assert.equal(counted, 90);
  // The peer reads: the five newest go out, in order.
  ws.read();
  await clock.advance(100);
  assert.deepEqual(ws.sent.slice(5), [95, 96, 97, 98, 99].map(msg));
  assert.ok(!sender.backlogged);
});

Deno.test("`all` keeps as many of the newest messages as fit beside the socket's queue", async () => {
  const clock = new ManualClock();
  const ws = new PeerSocket();
  const sender = new WsSender(ws, { maxBytes: 1_000, clock, stallCloseMs: 60_000 });
  for (let i = 0; i < 5; i++) sender.send(msg(i)); // 500 bytes in the socket
  ws.bufferedAmount = 700; // the socket's queue is over its half
  for (let i = 5; i < 20; i++) sender.send(msg(i));
  // 700 queued + 3 waiting × 100 = 1,000: the three newest wait, the other 12 dropped.
  assert.equal(sender.dropped, 12);
  ws.read();
  await clock.advance(100);
  assert.deepEqual(ws.sent.slice(5), [msg(17), msg(18), msg(19)]);
});

Deno.test("`latest` keeps only the newest frame while the socket is full", async () => {
  const clock = new ManualClock();
  const ws = new PeerSocket();
  const frame = (i: number) =>
    new TextEncoder().encode(msg(i).repeat(4)) as Uint8Array<ArrayBuffer>;
  const sender = new WsSender(ws, { maxBytes: 2_000, keep: "latest", clock, stallCloseMs: 60_000 });
  for (let i = 0; i < 3; i++) sender.send(frame(i)); // 400 bytes each: 2 fit, the third waits
  assert.equal(ws.sent.length, 2);
  for (let i = 3; i < 8; i++) sender.send(frame(i));
  assert.equal(sender.dropped, 5, "frames 2..6 replaced by newer ones");
  ws.read();
  await clock.advance(100);
  assert.equal(ws.sent.length, 3);
  assert.equal(ws.sent[2], msg(7).repeat(4));
});

Deno.test("one message larger than maxBytes still goes out to an empty socket", () => {
  const ws = new PeerSocket();
  const sender = new WsSender(ws, { maxBytes: 100, clock: new ManualClock() });
  sender.send("x".repeat(5_000));
  assert.equal(ws.sent.length, 1);
  assert.equal(sender.dropped, 0);
});

Deno.test("a client that drains nothing for stallCloseMs while messages wait is closed with 1008", async () => {
  const clock = new ManualClock();
  const ws = new PeerSocket();
  const stalled: string[] = [];
  const sender = new WsSender(ws, {
    maxBytes: 2_000,
    stallCloseMs: 30_000,
    clock,
    onStalled: (r) => stalled.push(r),
  });
  for (let i = 0; i < 11; i++) sender.send(msg(i)); // the 11th waits
  await clock.advance(29_900);
  assert.equal(ws.closes.length, 0, "not before the grace period");
  await clock.advance(200);
  assert.equal(ws.closes.length, 1);
  assert.equal(ws.closes[0].code, 1008);
  assert.match(
    ws.closes[0].reason!,
    /^client not reading: nothing drained for 30 s, 0 messages dropped$/,
  );
  assert.ok(new TextEncoder().encode(ws.closes[0].reason).length <= 123, "fits a close frame");
  assert.deepEqual(stalled, [ws.closes[0].reason]);
  assert.ok(sender.closed);
  sender.send(msg(99));
  assert.equal(ws.sent.length, 10, "nothing is sent after the close");
  assert.equal(clock.pending, 0, "no timer left");
});

Deno.test("a slow client that keeps draining is never closed, only dropped for", async () => {
  const clock = new ManualClock();
  const ws = new PeerSocket();
  const sender = new WsSender(ws, { maxBytes: 1_000, keep: "latest", stallCloseMs: 5_000, clock });
  for (let i = 0; i < 600; i++) {
    sender.send(msg(i));
    await clock.advance(100);
    if (i % 20 === 0) ws.read(100); // one message every 2 s
  }
  assert.equal(ws.closes.length, 0);
  assert.ok(sender.dropped > 500, `dropped ${sender.dropped}`);
  assert.ok(ws.bufferedAmount <= 1_000);
});

Deno.test("skip counts a frame not made and still closes a stalled client", async () => {
  const clock = new ManualClock();
  const ws = new PeerSocket();
  const sender = new WsSender(ws, { maxBytes: 1_000, keep: "latest", stallCloseMs: 1_000, clock });
  for (let i = 0; i < 11; i++) sender.send(msg(i));
  assert.ok(sender.backlogged);
  const before = sender.dropped;
  sender.skip();
  assert.equal(sender.dropped, before + 1);
  await clock.advance(1_000);
  assert.equal(ws.closes[0]?.code, 1008);
});

Deno.test("close sends what waits, then closes with the code and reason", () => {
  const ws = new PeerSocket();
  const sender = new WsSender(ws, { maxBytes: 2_000, clock: new ManualClock() });
  for (let i = 0; i < 12; i++) sender.send(msg(i));
  assert.equal(ws.sent.length, 10);
  sender.close(1000, "stopped");
  assert.deepEqual(ws.sent.slice(10), [msg(10), msg(11)]);
  assert.deepEqual(ws.closes, [{ code: 1000, reason: "stopped" }]);
});

Deno.test("utf8Length counts what TextEncoder would write", () => {
  for (const s of ["", "abc", "ห้อง1", "°C", "emoji 😀 x", "\u{10FFFF}", "\ud800x"]) {
    assert.equal(utf8Length(s), new TextEncoder().encode(s).length, JSON.stringify(s));
  }
});
