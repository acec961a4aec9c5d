import assert from "node:assert/strict";
import { Actor, AskTimeoutError, type Reply } from "./actor.ts";
import { ManualClock } from "./clock.ts";

type Msg = { type: "add"; n: number; reply: Reply<number> } | {
  type: "ignore";
  reply: Reply<void>;
};

class Counter extends Actor<Msg, { status: string; total: number }> {
  constructor(clock: ManualClock) {
    super("counter", { status: "running", total: 0 }, { clock });
  }
  protected receive(msg: Msg): void {
    if (msg.type === "add") {
      this.update({ total: this.snapshot().total + msg.n });
      msg.reply(this.snapshot().total);
    }
  }
}

Deno.test("ask answers with the reply and times out on the injected clock", async () => {
  const clock = new ManualClock();
  const c = new Counter(clock);
  await c.start();
  assert.equal(await c.ask<number>((reply) => ({ type: "add", n: 2, reply })), 2);
  assert.equal(await c.ask<number>((reply) => ({ type: "add", n: 3, reply })), 5);
  const late = c.ask<void>((reply) => ({ type: "ignore", reply }), 1_000);
  await clock.advance(1_000);
  await assert.rejects(late, AskTimeoutError);
  await c.stop();
  assert.equal((await c.exited).reason, "normal");
  await assert.rejects(c.send({ type: "ignore", reply: () => {} }), /has stopped/);
});
