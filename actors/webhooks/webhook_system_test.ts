/**
 * The webhook system with its real SQLite outbox: which results are queued for which hook, and what
 * survives a restart (queued deliveries in order, counters, the texts `changed` compares with).
 * Senders run on a manual clock against a port nothing listens on, so nothing leaves the queue.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ManualClock } from "../runtime/mod.ts";
import { parseWebhookBody, type WebhookConfig } from "../../storage/webhook_config.ts";
import type { FrameResult, RoiResultEntry } from "../jobs/result_bus.ts";
import { waitFor } from "../../tests/helpers/wait.ts";
import { WebhookSystem } from "./webhook_system.ts";

const T = { sanitizeResources: false, sanitizeOps: false };

function closedPort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

function frame(entries: Partial<RoiResultEntry>[]): FrameResult {
  const results = entries.map((e): RoiResultEntry => ({
    id: "r1",
    name: "R1",
    text: "",
    module: "digits",
    group: "g",
    cam_id: "cam1",
    source: "src",
    frame_time: 1,
    result_time: 1,
    duration: 0,
    ...e,
  }));
  return {
    frame_time: 1,
    result_time: 1,
    cam_id: "cam1",
    source: "src",
    group: "g",
    frame_duration: 0,
    results,
  };
}

async function system(path: string, hooks: WebhookConfig[]) {
  const byName = new Map(hooks.map((h) => [h.name, h]));
  const sys = new WebhookSystem({
    outboxPath: path,
    hookOf: (n) => byName.get(n),
    clock: new ManualClock(),
  });
  await sys.start(hooks);
  return sys;
}

Deno.test({
  ...T,
  name: "webhook system: each kind queues what it should; changed remembers across a restart",
  fn: async () => {
    const dir = await Deno.makeTempDir();
    const url = `http://127.0.0.1:${closedPort()}/x`;
    const mk = (name: string, over: Record<string, unknown>) =>
      parseWebhookBody({ name, url, body: { t: "{{text}}", s: "{{status}}" }, ...over });
    const hooks = [
      mk("every", { when: "every" }),
      mk("changed", { when: "changed" }),
      mk("rejected", { when: "rejected" }),
      mk("match", { when: "match", pattern: "^4" }),
      mk("r2only", { when: "every", rois: ["r2"] }),
      mk("off", { when: "every", enabled: false }),
    ];
    const path = join(dir, "webhook_outbox.db");
    let sys = await system(path, hooks);
    try {
      const texts = ["1", "1", "4", "4", "9", "1"];
      for (const text of texts) sys.sink(frame([{ text }]));
      sys.sink(frame([{ text: "42", status: "rejected", reason: "max 10 < 42" }]));
      sys.sink(frame([{ text: "5", status: "accepted" }, { id: "r2", text: "7" }]));
      const queued = (n: string) => sys.status(n)!.queued + sys.status(n)!.failed;
      assert.equal(queued("every"), 8, "every accepted reading");
      assert.equal(queued("changed"), 6, "r1: 1, 4, 9, 1, 5 (the rejected 42 is none); r2: 7");
      assert.equal(queued("rejected"), 1);
      assert.equal(queued("match"), 2);
      assert.equal(queued("r2only"), 1);
      assert.equal(sys.status("off")!.queued, 0);
      assert.equal(sys.status("off")!.state, "disabled");
      await sys.stopAll();

      sys = await system(path, hooks);
      // The last accepted text of r1 was "5": the same again is no change; "6" is.
      sys.sink(frame([{ text: "5" }]));
      assert.equal(queued("changed"), 6);
      sys.sink(frame([{ text: "6" }]));
      assert.equal(queued("changed"), 7);
      assert.equal(queued("every"), 10, "kept across the restart, plus two");
    } finally {
      await sys.stopAll();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  ...T,
  name:
    "webhook system: a full queue drops the oldest (counted); a restart keeps the newest in order",
  fn: async () => {
    const dir = await Deno.makeTempDir();
    const url = `http://127.0.0.1:${closedPort()}/x`;
    const hook = parseWebhookBody({
      name: "b",
      url,
      when: "every",
      queue_size: 5,
      body: ["{{text}}"],
    });
    const path = join(dir, "webhook_outbox.db");
    let sys = await system(path, [hook]);
    try {
      // The sender takes the head at once (and fails: nothing listens); wait for that first.
      sys.sink(frame([{ text: "0" }]));
      await waitFor(() => sys.status("b")?.state === "retrying", { what: "the first failure" });
      for (let i = 1; i < 12; i++) sys.sink(frame([{ text: String(i) }]));
      assert.deepEqual(pick(sys.status("b")!), { queued: 5, dropped: 7, delivered: 0 });
      assert.equal(sys.status("b")!.last_error, "connection refused");
      await sys.stopAll();
      sys = await system(path, [hook]);
      assert.deepEqual(pick(sys.status("b")!), { queued: 5, dropped: 7, delivered: 0 });
      assert.deepEqual(sys.stats(), [{
        hook: "b",
        queued: 5,
        delivered: 0,
        failed: 0,
        dropped: 7,
        retries: sys.stats()[0].retries,
      }]);
      // The stored deliveries are the newest five, oldest first, with their sequence numbers.
      await sys.stopAll();
      const { DatabaseSync } = await import("node:sqlite");
      const db = new DatabaseSync(path);
      const rows = db.prepare("SELECT seq, body FROM deliveries WHERE hook = 'b' ORDER BY seq")
        .all() as { seq: number; body: string }[];
      db.close();
      assert.deepEqual(rows.map((r) => [Number(r.seq), JSON.parse(r.body)[0]]), [
        [8, "7"],
        [9, "8"],
        [10, "9"],
        [11, "10"],
        [12, "11"],
      ]);
      sys = await system(path, []);
      assert.equal(sys.status("b"), undefined, "a hook deleted while down loses its queue");
      await sys.stopAll();
      sys = await system(path, [hook]);
      assert.deepEqual(pick(sys.status("b")!), { queued: 0, dropped: 0, delivered: 0 });
    } finally {
      await sys.stopAll();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  ...T,
  name: "webhook system: a rendered body over 32 KiB is not queued but counted as failed, with why",
  fn: async () => {
    const dir = await Deno.makeTempDir();
    const hook = parseWebhookBody({
      name: "big",
      url: `http://127.0.0.1:${closedPort()}/x`,
      when: "every",
      body: Array.from({ length: 10 }, () => "{{text}}"),
    });
    const sys = await system(join(dir, "webhook_outbox.db"), [hook]);
    try {
      sys.sink(frame([{ text: "x".repeat(4000) }]));
      assert.deepEqual(pick(sys.status("big")!), { queued: 0, dropped: 0, delivered: 0 });
      assert.equal(sys.status("big")!.failed, 1);
      assert.match(
        sys.status("big")!.last_error!,
        /^body of 40\d{3} bytes is over 32768 \(ROI r1\)/,
      );
      sys.sink(frame([{ text: "short" }]));
      assert.equal(sys.status("big")!.queued, 1);
    } finally {
      await sys.stopAll();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

function pick(s: { queued: number; dropped: number; delivered: number }) {
  return { queued: s.queued, dropped: s.dropped, delivered: s.delivered };
}
