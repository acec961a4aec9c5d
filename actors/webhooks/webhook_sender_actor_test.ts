/**
 * The sender against a real local HTTP receiver, with a manual clock for timeouts and retry delays:
 * a 500 is retried after 1, 2 and 4 s; a receiver that does not answer is given up on at the
 * timeout and retried; a 400 is not retried; deliveries leave in order.
 */
import assert from "node:assert/strict";
import { ManualClock } from "../runtime/mod.ts";
import { parseWebhookBody } from "../../storage/webhook_config.ts";
import { waitFor } from "../../tests/helpers/wait.ts";
import { WebhookQueue } from "./webhook_queue.ts";
import { HEADERS, WebhookSenderActor } from "./webhook_sender_actor.ts";

type Behaviour = "ok" | "500" | "400" | "hang";

interface Seen {
  seq: number;
  body: string;
  signature: string | null;
}

/** A receiver that answers each request by the next behaviour (then `ok`). */
function receiver(behaviours: Behaviour[]) {
  const seen: Seen[] = [];
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const body = await req.text();
    seen.push({
      seq: Number(req.headers.get(HEADERS.delivery)),
      body,
      signature: req.headers.get(HEADERS.signature),
    });
    const b = behaviours.shift() ?? "ok";
    if (b === "hang") {
      await released;
      return new Response("late");
    }
    if (b === "500") return new Response("busy", { status: 500 });
    if (b === "400") return new Response("bad", { status: 400 });
    return new Response(null, { status: 204 });
  });
  return {
    seen,
    url: `http://127.0.0.1:${server.addr.port}/hook`,
    close: () => {
      release();
      return server.shutdown();
    },
  };
}

async function sender(url: string, over: Record<string, unknown> = {}) {
  const clock = new ManualClock();
  const queue = new WebhookQueue(100);
  const hook = parseWebhookBody({ name: "t", url, retry_initial_s: 1, retry_max_s: 30, ...over });
  const actor = new WebhookSenderActor(hook, { queue, clock });
  await actor.start();
  return { clock, queue, actor };
}

Deno.test("webhook sender: a 500 is retried after 1 s, 2 s, 4 s, then delivered; order holds", async () => {
  const rx = receiver(["500", "500", "500"]);
  const { clock, queue, actor } = await sender(rx.url, { secret: "k" });
  try {
    queue.push('{"n":1}', clock.now());
    queue.push('{"n":2}', clock.now());
    const delays: number[] = [];
    for (let i = 1; i <= 3; i++) {
      await waitFor(() => actor.snapshot().status === "retrying", { what: `retry ${i} armed` });
      const snap = actor.snapshot();
      delays.push(snap.next_retry_at! - clock.now());
      assert.equal(snap.attempt, i);
      // Just before the delay is up nothing is sent: the retry is the clock's only timer.
      await clock.advance(delays.at(-1)! - 1);
      assert.equal(rx.seen.length, i);
      await clock.advance(1);
    }
    assert.deepEqual(delays, [1_000, 2_000, 4_000]);
    await waitFor(() => queue.record().delivered === 2, { what: "both delivered" });
    assert.deepEqual(rx.seen.map((s) => s.seq), [1, 1, 1, 1, 2]);
    assert.deepEqual(rx.seen.map((s) => JSON.parse(s.body).n), [1, 1, 1, 1, 2]);
    assert.ok(rx.seen.every((s) => s.signature?.startsWith("sha256=")));
    const r = queue.record();
    assert.equal(r.retries, 3);
    assert.equal(r.last_status, 204);
    assert.equal(r.last_error, "HTTP 500: busy");
    assert.equal(queue.length, 0);
    assert.equal(actor.snapshot().status, "idle");
  } finally {
    await actor.stop();
    await rx.close();
  }
});

Deno.test("webhook sender: no answer within timeout_s is given up and retried", async () => {
  const rx = receiver(["hang"]);
  const { clock, queue, actor } = await sender(rx.url, { timeout_s: 5 });
  try {
    queue.push('{"n":1}', clock.now());
    await waitFor(() => rx.seen.length === 1, { what: "the first attempt arrives" });
    assert.equal(actor.snapshot().status, "sending");
    await clock.advance(4_999);
    assert.equal(actor.snapshot().status, "sending");
    await clock.advance(1);
    await waitFor(() => actor.snapshot().status === "retrying", { what: "the timeout" });
    assert.equal(queue.record().last_error, "no answer within 5 s");
    assert.equal(queue.record().last_status, null);
    await clock.advance(1_000);
    await waitFor(() => queue.record().delivered === 1, { what: "the retry delivered" });
    assert.deepEqual(rx.seen.map((s) => s.seq), [1, 1]);
    assert.equal(queue.record().retries, 1);
  } finally {
    await actor.stop();
    await rx.close();
  }
});

Deno.test("webhook sender: a 400 is refused for good (not retried); the next delivery follows", async () => {
  const rx = receiver(["400"]);
  const { clock, queue, actor } = await sender(rx.url);
  try {
    queue.push('{"n":1}', clock.now());
    queue.push('{"n":2}', clock.now());
    await waitFor(() => queue.record().delivered === 1, { what: "the second delivered" });
    const r = queue.record();
    assert.deepEqual([r.failed, r.retries, r.last_error], [1, 0, "HTTP 400: bad"]);
    assert.deepEqual(rx.seen.map((s) => s.seq), [1, 2]);
  } finally {
    await actor.stop();
    await rx.close();
  }
});

Deno.test("webhook sender: a receiver that is away (connection refused) is retried", async () => {
  // A port that was just free: nothing listens there.
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close();
  const { clock, queue, actor } = await sender(`http://127.0.0.1:${port}/hook`);
  try {
    queue.push('{"n":1}', clock.now());
    await waitFor(() => actor.snapshot().status === "retrying", { what: "the first failure" });
    assert.equal(queue.record().last_error, "connection refused");
    assert.equal(queue.length, 1);
  } finally {
    await actor.stop();
  }
});
