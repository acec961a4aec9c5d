import assert from "node:assert/strict";
import { deferredFrame, discardFrame, PixelBufferPool, settleFrame } from "./frame.ts";

const meta = (seq: number) => ({ width: 2, height: 1, seq, time: seq });

Deno.test("deferred frame: pixels reach shared memory only when read; unread ones recycle their buffer", () => {
  const pool = new PixelBufferPool(8);
  const first = pool.take();
  new Uint8Array(first).set([1, 2, 3, 4, 5, 6, 7, 8]);
  const a = deferredFrame(meta(1), new Uint8Array(first), pool);
  // Read: copied into a SharedArrayBuffer, the pooled buffer goes back for the next frame.
  assert.ok(a.data.buffer instanceof SharedArrayBuffer);
  assert.deepEqual([...a.data], [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.equal(a.data, a.data, "copied once");
  const second = pool.take();
  assert.equal(second, first, "the read frame's buffer is reused");
  // Never read: discarding gives the buffer back without any shared allocation.
  const b = deferredFrame(meta(2), new Uint8Array(second), pool);
  discardFrame(b);
  assert.equal(pool.take(), second);
  assert.throws(() => b.data, /frame 2 was discarded before its pixels were read/);
  // settleFrame reads now (what the camera does before handing a frame out); a spread copies it.
  const c = settleFrame(deferredFrame(meta(3), new Uint8Array(8).fill(9), pool));
  discardFrame(c); // a settled frame keeps its pixels
  assert.deepEqual([...{ ...c }.data], [9, 9, 9, 9, 9, 9, 9, 9]);
});

Deno.test("pixel buffer pool keeps at most its limit of spares and refuses other sizes", () => {
  const pool = new PixelBufferPool(4, 1);
  const a = pool.take(), b = pool.take();
  pool.give(a);
  pool.give(b); // past the limit: dropped
  pool.give(new ArrayBuffer(3)); // wrong size: dropped
  assert.equal(pool.take(), a);
  assert.notEqual(pool.take(), b, "only one spare was kept");
});
