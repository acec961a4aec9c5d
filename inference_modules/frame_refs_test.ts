import assert from "node:assert/strict";
import { allocFrameData, type Frame } from "../actors/frame_sources/frame.ts";
import { type FrameRef, FrameRefs } from "./frame_refs.ts";

const frame = (seq: number): Frame => ({
  width: 2,
  height: 2,
  data: allocFrameData(2, 2),
  seq,
  time: seq,
});

function table() {
  const released: number[] = [];
  let id = 0;
  const refs = new FrameRefs<string>((ref: FrameRef<string>) => released.push(ref.id));
  return { refs, released, next: () => ++id };
}

Deno.test("calls on the same frame share one ref; the last user releases it", () => {
  const { refs, released, next } = table();
  const f = frame(1);
  const a = refs.acquire(f, next);
  const b = refs.acquire(f, next);
  assert.equal(a, b);
  refs.unuse(a);
  assert.deepEqual(released, []);
  refs.unuse(b);
  assert.deepEqual(released, [1]);
  assert.notEqual(refs.acquire(f, next).id, 1, "a released frame gets a new id");
});

Deno.test("a lingering frame is reused by the next call, or dropped when a new frame comes", () => {
  const { refs, released, next } = table();
  const f1 = frame(1), f2 = frame(2);
  const a = refs.acquire(f1, next);
  refs.unuse(a, 60_000);
  assert.deepEqual(released, []);
  const again = refs.acquire(f1, next);
  assert.equal(again, a, "the reads after page detection reuse the posted frame");
  refs.unuse(again, 60_000);
  refs.acquire(f2, next);
  assert.deepEqual(released, [a.id], "a newer frame ends the lingering one");
  refs.clear();
});
