import assert from "node:assert/strict";
import { NewestSlot } from "./newest_slot.ts";

Deno.test("a slow taker gets the newest value and the overwritten ones are counted", async () => {
  const slot = new NewestSlot<number>();
  slot.put(1);
  slot.put(2);
  slot.put(3);
  assert.deepEqual(await slot.take(), { done: false, value: 3 });
  assert.equal(slot.dropped, 2);
});

Deno.test("take waits for the next put", async () => {
  const slot = new NewestSlot<string>();
  const pending = slot.take();
  slot.put("frame");
  assert.deepEqual(await pending, { done: false, value: "frame" });
});

Deno.test("close hands out a waiting value first, then throws the close error", async () => {
  const slot = new NewestSlot<number>();
  slot.put(7);
  slot.close(new Error("ffmpeg exited"));
  slot.put(8); // ignored after close
  assert.deepEqual(await slot.take(), { done: false, value: 7 });
  await assert.rejects(slot.take(), /ffmpeg exited/);
});

Deno.test("close without an error ends a waiting taker with done", async () => {
  const slot = new NewestSlot<number>();
  const pending = slot.take();
  slot.close();
  slot.close(new Error("late")); // only the first close counts
  assert.deepEqual(await pending, { done: true, value: undefined });
});
