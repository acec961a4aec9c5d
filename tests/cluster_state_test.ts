/**
 * The desired state's KV backend against a real nats-server: two nodes (two data dirs, two
 * connections) share one bucket; what one writes lands in the other's files and change feed.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { Kvm } from "@nats-io/kv";
import { type Change, DesiredState } from "../actors/state/desired_state.ts";
import { keepWatching, KvStateBackend } from "../actors/state/kv_backend.ts";
import { SourceStore } from "../storage/source_store.ts";
import { MqttConfigStore } from "../storage/mqtt_config_store.ts";
import { WebhookStore } from "../storage/webhook_store.ts";
import { parseWebhookBody } from "../storage/webhook_config.ts";
import { FileSnapshotStore } from "../actors/runtime/mod.ts";
import { LeaseTable } from "../actors/cluster/leases.ts";
import { natsTestOptions, startNatsCluster, withNats } from "./helpers/nats.ts";
import { waitFor } from "./helpers/wait.ts";
import { demoRois } from "../actors/frame_sources/demo.ts";
import type { JobConfig } from "../actors/state/job_spec.ts";

const NATS_TEST = natsTestOptions("cluster_state_test");

interface Node {
  state: DesiredState;
  backend: KvStateBackend;
  changes: Change[];
  nc: NatsConnection;
}

async function node(url: string, dir: string, id: string): Promise<Node> {
  const nc = await connect({ servers: url });
  const kv = await new Kvm(nc).create("visionroi_state", { history: 1 });
  const mqtt = new MqttConfigStore(dir);
  await mqtt.load();
  const webhooks = new WebhookStore(dir);
  await webhooks.load();
  const state = new DesiredState({
    sources: new SourceStore(dir),
    jobs: new FileSnapshotStore(join(dir, ".actors")),
    mqtt,
    webhooks,
  });
  const backend = new KvStateBackend(kv, id);
  state.attachReplica(backend);
  await backend.start(state, { source: await state.sources.names() });
  const changes: Change[] = [];
  state.subscribe((c) => void changes.push(c));
  return { state, backend, changes, nc };
}

const job: JobConfig = {
  camId: "line 1",
  cameraId: "demo",
  source: "demo",
  rois: [],
  inlineRois: false,
  group: "all",
  interval: 0.5,
  resultTimeout: 10,
  drawPageBoxes: true,
};

Deno.test({
  name: "KV backend: a write on one node reaches the other's files and change feed (round trip)",
  ...NATS_TEST,
  fn: async () => {
    const nats = await startNatsCluster(1);
    const dir = await Deno.makeTempDir();
    const a = await node(nats.urls, join(dir, "a"), "a");
    const b = await node(nats.urls, join(dir, "b"), "b");
    try {
      await a.state.createSource({ name: "demo", source: "demo" });
      await a.state.saveRois("demo", demoRois());
      await a.state.putJob(job);
      await waitFor(() => b.changes.some((c) => c.kind === "job" && c.name === "line 1"), {
        what: "the job on node b",
      });
      assert.deepEqual(
        b.changes.map((c) => [c.kind, c.name, c.op, c.remote]),
        [["source", "demo", "put", true], ["rois", "demo", "put", true], [
          "job",
          "line 1",
          "put",
          true,
        ]],
      );
      assert.equal((await b.state.sources.get("demo"))?.source, "demo");
      assert.deepEqual(
        (await b.state.rois("demo")).map((r) => r.id),
        demoRois().map((r) => r.id),
      );
      assert.deepEqual(await b.state.job("line 1"), job);
      assert.deepEqual(b.backend.names("job"), ["line 1"]);
      // Node a's own feed heard its writes once each, never as remote.
      assert.ok(a.changes.every((c) => !c.remote));

      // Back the other way: b renames and deletes; a follows.
      await b.state.renameSource("demo", "panel");
      await waitFor(() => a.changes.some((c) => c.kind === "source" && c.op === "rename"), {
        what: "the rename on node a",
      });
      assert.equal(await a.state.sources.get("demo"), undefined);
      assert.equal((await a.state.sources.get("panel"))?.name, "panel");
      assert.equal((await a.state.rois("panel")).length, demoRois().length);
      await b.state.deleteJob("line 1");
      await waitFor(() => a.changes.some((c) => c.kind === "job" && c.op === "delete"), {
        what: "the job delete on node a",
      });
      assert.equal(await a.state.job("line 1"), undefined);
      assert.deepEqual(a.backend.names("job"), []);

      // Webhooks are desired state too: one made on a reaches b (secret included), a delete on b
      // reaches a.
      await a.state.createWebhook(
        parseWebhookBody({ name: "alarm", url: "http://127.0.0.1:8/hook", secret: "s3cret" }),
      );
      await waitFor(() => b.changes.some((c) => c.kind === "webhook" && c.name === "alarm"), {
        what: "the webhook on node b",
      });
      assert.equal(b.state.webhook("alarm")?.url, "http://127.0.0.1:8/hook");
      assert.equal(b.state.webhook("alarm")?.secret, "s3cret");
      await b.state.deleteWebhook("alarm");
      await waitFor(() => a.changes.some((c) => c.kind === "webhook" && c.op === "delete"), {
        what: "the webhook delete on node a",
      });
      assert.equal(a.state.webhook("alarm"), undefined);

      // A node that joins later takes over the bucket's state at start.
      const c = await node(nats.urls, join(dir, "c"), "c");
      assert.equal((await c.state.sources.get("panel"))?.name, "panel");
      assert.equal(await c.state.sources.get("demo"), undefined);
      c.backend.stop();
      await c.nc.close();
    } finally {
      for (const n of [a, b]) {
        n.backend.stop();
        await n.nc.close();
      }
      await nats.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "leases: create-if-absent, revision-guarded renewal, a lapsed lease is taken over",
  ...NATS_TEST,
  fn: () =>
    withNats(async (nc) => {
      const kv = await new Kvm(nc).create("leases_test", { history: 1, ttl: 1_000 });
      const a = new LeaseTable(kv, { nodeId: "a", ttlMs: 1_000, marginMs: 100 });
      const b = new LeaseTable(kv, { nodeId: "b", ttlMs: 1_000, marginMs: 100 });
      assert.equal(await a.acquire("job.x"), true);
      assert.equal(await b.acquire("job.x"), false, "held by a");
      assert.equal(a.holds("job.x"), true);
      assert.equal(await a.renew("job.x"), true);
      // a stops renewing: the entry lapses on the server, b takes it, a's renewal fails.
      const taken = await waitFor(async () => await b.acquire("job.x"), {
        timeoutMs: 5_000,
        what: "b to take the lapsed lease",
      });
      assert.equal(taken, true);
      assert.equal(a.holds("job.x"), false, "a no longer trusts its lapsed lease");
      assert.equal(await a.renew("job.x"), false);
      assert.deepEqual([...(await a.owners(["job.x", "job.y"]))], [["job.x", "b"]]);
      await b.release("job.x");
      assert.equal(await a.acquire("job.x"), true, "free again after the release");
    }),
});

Deno.test({
  name: "keepWatching: a watch that goes silent on a live connection is noticed from the " +
    "bucket's sequence and started again; what was missed is replayed",
  ...NATS_TEST,
  fn: () =>
    withNats(async (nc) => {
      let stop: (() => void) | undefined;
      try {
        const kv = await new Kvm(nc).create("watch_test", { history: 1 });
        const got = new Map<string, string>();
        const calls: boolean[] = [];
        const lines: string[] = [];
        stop = await keepWatching(
          nc,
          async (again) => {
            calls.push(again);
            const w = await kv.watch({ key: ">" });
            if (again) return w;
            // The first watch delivers one entry, then nothing (as when its consumer's server died).
            let delivered = 0;
            return {
              stop: () => w.stop(),
              async *[Symbol.asyncIterator]() {
                for await (const e of w) if (delivered++ === 0) yield e;
              },
            };
          },
          (e) => void got.set(e.key, e.string()),
          {
            lastSeq: async () => (await kv.status()).streamInfo.state.last_seq,
            checkMs: 200,
            log: (l) => void lines.push(l),
          },
        );
        await kv.put("a", "1");
        await waitFor(() => got.get("a") === "1", { timeoutMs: 5_000, what: "a from the watch" });
        await kv.put("b", "2");
        await kv.put("a", "3");
        await waitFor(() => got.get("b") === "2" && got.get("a") === "3", {
          timeoutMs: 5_000,
          what: "the missed writes after the watch was started again",
        });
        assert.deepEqual(calls, [false, true], "one restart");
        assert.ok(lines.some((l) => /watch behind the bucket/.test(l)), lines.join("\n"));
      } finally {
        stop?.();
      }
    }),
});
