import assert from "node:assert/strict";
import { GuessLimiter } from "./guess_limiter.ts";

Deno.test("guess limiter: 10 wrong guesses a minute per address, then a wait until the oldest ages out", () => {
  let now = 1_000_000;
  const limiter = new GuessLimiter({ now: () => now });
  for (let i = 0; i < 9; i++) {
    limiter.fail("10.0.0.1");
    now += 1000;
  }
  assert.equal(limiter.retryAfterS("10.0.0.1"), 0, "9 guesses are allowed");
  limiter.fail("10.0.0.1"); // 10th, at +9 s
  assert.equal(limiter.retryAfterS("10.0.0.1"), 51, "the first guess (at +0 s) ages out at +60 s");
  assert.equal(limiter.retryAfterS("10.0.0.2"), 0, "another address is not limited");
  now += 50_500;
  assert.equal(limiter.retryAfterS("10.0.0.1"), 1);
  now += 500;
  assert.equal(limiter.retryAfterS("10.0.0.1"), 0, "one slot is free again");
  limiter.fail("10.0.0.1");
  assert.equal(limiter.retryAfterS("10.0.0.1"), 1, "the next one ages out a second later");
});

Deno.test("guess limiter forgets the least recently failing address beyond its bound", () => {
  let now = 0;
  const limiter = new GuessLimiter({ max: 1, maxAddresses: 2, now: () => now });
  limiter.fail("a");
  limiter.fail("b");
  limiter.fail("c");
  now += 1;
  assert.deepEqual(["a", "b", "c"].map((x) => limiter.retryAfterS(x)), [0, 60, 60]);
});
