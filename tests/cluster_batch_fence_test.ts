/**
 * Cluster batch fencing, end to end: the node running a task is paused (SIGSTOP) until another
 * node took the task over, then woken (SIGCONT). The woken node's next append of a frame range
 * fails (the task's log moved on), it stops, and the log holds every frame once, from its owner.
 * Then a node stopped with `/_quit` releases its running task, which the other node completes.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { connect } from "@nats-io/transport-node";
import type { ServerProcess } from "./helpers/server.ts";
import { startClusterNode } from "./helpers/cluster_node.ts";
import { natsTestOptions, startNatsCluster } from "./helpers/nats.ts";
import { makeClip } from "./helpers/media.ts";
import { waitFor } from "./helpers/wait.ts";
import { getJson, resultRows, uploadBatch, waitForStatus } from "./helpers/batch_client.ts";
import { assertContiguous, taskLog } from "./helpers/batch_log.ts";
import { writeTestkit } from "../inference_modules/testing/test_modules.ts";

const NATS_TEST = natsTestOptions("cluster_batch_fence_test");

const ROIS = JSON.stringify([{
  id: "r1",
  name: "r1",
  module: "testkit",
  points: [{ x: 10, y: 10 }, { x: 40, y: 10 }, { x: 40, y: 40 }, { x: 10, y: 40 }],
  params: { mode: "sleep", ms: 40 },
}]);

Deno.test({
  name: "cluster batch: a paused node loses its task and after waking appends nothing more; " +
    "a node stopped with /_quit hands its task back",
  ...NATS_TEST,
  fn: async () => {
    const tmp = await Deno.makeTempDir({ prefix: "visionroi-clfence-" });
    const nats = await startNatsCluster(1);
    const nc = await connect({ servers: nats.urls });
    const nodes: ServerProcess[] = [];
    let paused: ServerProcess | undefined;
    try {
      const clip = await makeClip(tmp, { width: 160, height: 120, seconds: 5, rate: 30 });
      const names = ["a", "b"];
      for (const n of names) await writeTestkit(join(tmp, n), "testkit");
      nodes.push(
        ...await Promise.all(
          names.map((n) =>
            startClusterNode(join(tmp, n), { nats: nats.urls, nodeId: n, capacity: 100 })
          ),
        ),
      );
      const up = await uploadBatch(nodes[0].url, [{ name: "clip.mp4", path: clip }], {
        rois: ROIS,
      });
      assert.equal(up.status, 201, JSON.stringify(up.json));
      const id = String(up.json.task_id);
      const first = await waitFor(async () => {
        const { json } = await getJson(`${nodes[0].url}/api/batch/${id}`);
        return Number(json.frames_done) >= 20 && json;
      }, { timeoutMs: 30_000, what: "20 frames done" });
      const x = nodes[names.indexOf(String(first.node))];
      const y = nodes.find((n) => n !== x)!;
      const yName = names[nodes.indexOf(y)];
      Deno.kill(x.pid, "SIGSTOP");
      paused = x;
      await waitFor(async () => (await getJson(`${y.url}/api/batch/${id}`)).json.node === yName, {
        timeoutMs: 20_000,
        what: `${yName} took the task over`,
      });
      Deno.kill(x.pid, "SIGCONT");
      paused = undefined;
      await waitFor(() => /the task moved on without this node; stopped here/.test(x.output()), {
        timeoutMs: 20_000,
        what: "the woken node's append refused",
      });
      for (const n of [y, x]) {
        const done = await waitForStatus(n.url, id, ["completed", "failed"], { timeoutMs: 30_000 });
        assert.equal(done.status, "completed", String(done.error));
        assert.equal(done.frames_done, 150);
        const frames = (await resultRows(n.url, id)).map((r) => Number(r.frame_index));
        assert.deepEqual(frames, Array.from({ length: 150 }, (_, i) => i), n.url);
      }
      const events = await taskLog(nc, id);
      assertContiguous(events);
      const starts = events.filter((e) => e.type === "start").map((e) => e.node);
      assert.deepEqual(starts, [names[nodes.indexOf(x)], yName]);

      // A node stopped with /_quit hands its running task back; the other continues it.
      const up2 = await uploadBatch(y.url, [{ name: "clip.mp4", path: clip }], { rois: ROIS });
      assert.equal(up2.status, 201, JSON.stringify(up2.json));
      const t2 = String(up2.json.task_id);
      const running = await waitFor(async () => {
        const { json } = await getJson(`${y.url}/api/batch/${t2}`);
        return Number(json.frames_done) >= 10 && json;
      }, { timeoutMs: 30_000, what: "t2: 10 frames done" });
      const quitter = nodes[names.indexOf(String(running.node))];
      const survivor = nodes.find((n) => n !== quitter)!;
      const quit = await fetch(`${quitter.url}/_quit`, { method: "POST" });
      assert.equal(quit.status, 202);
      await quit.body?.cancel();
      assert.equal((await quitter.exited()).code, 0);
      const done2 = await waitForStatus(survivor.url, t2, ["completed", "failed"], {
        timeoutMs: 30_000,
      });
      assert.equal(done2.status, "completed", String(done2.error));
      const frames2 = (await resultRows(survivor.url, t2)).map((r) => Number(r.frame_index));
      assert.deepEqual(frames2, Array.from({ length: 150 }, (_, i) => i));
      const log2 = await taskLog(nc, t2);
      assertContiguous(log2);
      const kinds = log2.filter((e) => e.type === "start" || e.type === "released")
        .map((e) => `${e.type}:${e.node}`);
      const q = String(running.node), s = names.find((n) => n !== q)!;
      assert.deepEqual(kinds, [`start:${q}`, `released:${q}`, `start:${s}`]);
    } finally {
      if (paused) Deno.kill(paused.pid, "SIGCONT");
      for (const n of nodes) await n.kill9();
      await nc.close();
      await nats.close();
      await Deno.remove(tmp, { recursive: true }).catch(() => undefined);
    }
  },
});
