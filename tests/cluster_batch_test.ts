/**
 * Batch across nodes, end to end: a real nats-server and two VisionROI processes. A 300-frame task
 * uploaded to node a runs there; node b joins, takes a second task uploaded to it (a is busy), and
 * a's answers include b's results. Then a is killed with kill -9 mid-task: b takes the task from
 * the work queue, downloads the footage from the Object Store (b never had it) and continues after
 * a's last appended frame range; the CSV has every frame exactly once.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { connect } from "@nats-io/transport-node";
import { type ServerProcess, startServer } from "./helpers/server.ts";
import { clusterNodeArgs } from "./helpers/cluster_node.ts";
import { natsTestOptions, startNatsCluster } from "./helpers/nats.ts";
import { makeClip } from "./helpers/media.ts";
import { waitFor } from "./helpers/wait.ts";
import { getJson, uploadBatch, waitForStatus } from "./helpers/batch_client.ts";
import { writeTestkit } from "../inference_modules/testing/test_modules.ts";
import { assertContiguous, taskLog } from "./helpers/batch_log.ts";

const NATS_TEST = natsTestOptions("cluster_batch_test");

/** One ROI of the test module, which sleeps `ms` per read (so the task is slow enough to kill). */
const rois = (ms: number) =>
  JSON.stringify([{
    id: "r1",
    name: "r1",
    module: "testkit",
    points: [{ x: 10, y: 10 }, { x: 40, y: 10 }, { x: 40, y: 40 }, { x: 10, y: 40 }],
    params: { mode: "sleep", ms },
  }]);

/** frame_index → how many CSV rows name it. */
async function csvFrames(base: string, id: string): Promise<Map<number, number>> {
  const res = await fetch(`${base}/api/batch/${id}/results?format=csv`);
  assert.equal(res.status, 200);
  const lines = (await res.text()).trim().split("\n");
  const head = lines[0].split(",");
  const col = head.indexOf("frame_index");
  assert.ok(col >= 0, lines[0]);
  const counts = new Map<number, number>();
  for (const line of lines.slice(1)) {
    const f = Number(line.split(",")[col]);
    counts.set(f, (counts.get(f) ?? 0) + 1);
  }
  return counts;
}

function existsSync(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

function assertEachOnce(counts: Map<number, number>, frames: number, what: string): void {
  const twice = [...counts].filter(([, n]) => n !== 1).map(([f]) => f);
  assert.deepEqual(twice, [], `${what}: frames stored more than once`);
  const missing = Array.from({ length: frames }, (_, i) => i).filter((f) => !counts.has(f));
  assert.deepEqual(missing, [], `${what}: frames missing`);
  assert.equal(counts.size, frames, `${what}: frames`);
}

Deno.test({
  name:
    "cluster batch: uploads, cancel and delete via any node; kill -9 of the running node mid-task, another " +
    "resumes after its last acknowledged frame range; CSV has each of 300 frames exactly once",
  ...NATS_TEST,
  fn: async () => {
    const t0 = Date.now();
    const tmp = await Deno.makeTempDir({ prefix: "visionroi-clbatch-" });
    const nats = await startNatsCluster(1);
    const nc = await connect({ servers: nats.urls });
    const nodes: ServerProcess[] = [];
    const args = (id: string) => clusterNodeArgs(nats.urls, { nodeId: id, capacity: 100 });
    try {
      const long = await makeClip(tmp, { width: 160, height: 120, seconds: 10, rate: 30 });
      const short = await makeClip(tmp, {
        width: 160,
        height: 120,
        seconds: 1,
        rate: 30,
        name: "short.mp4",
      });
      const [dirA, dirB] = [join(tmp, "a"), join(tmp, "b")];
      for (const d of [dirA, dirB]) await writeTestkit(d, "testkit");

      const a = await startServer(dirA, args("a"));
      nodes.push(a);
      const up1 = await uploadBatch(a.url, [{ name: "long.mp4", path: long }], { rois: rois(40) });
      assert.equal(up1.status, 201, JSON.stringify(up1.json));
      const t1 = String(up1.json.task_id);

      // b joins while a reads t1; a task uploaded to b runs on b (a has no free slot).
      const b = await startServer(dirB, args("b"));
      nodes.push(b);
      const onA = await waitFor(async () => {
        const { json } = await getJson(`${b.url}/api/batch/${t1}`);
        return json.status === "processing" && Number(json.frames_done) > 0 && json;
      }, { timeoutMs: 20_000, what: "t1 processing, seen from b" });
      assert.equal(onA.node, "a");
      const up2 = await uploadBatch(b.url, [{ name: "short.mp4", path: short }], { rois: rois(1) });
      assert.equal(up2.status, 201, JSON.stringify(up2.json));
      const t2 = String(up2.json.task_id);
      const done2 = await waitForStatus(a.url, t2, ["completed", "failed"], { timeoutMs: 20_000 });
      assert.equal(done2.status, "completed", String(done2.error));
      assert.equal((await getJson(`${a.url}/api/batch/${t2}`)).json.node, "b");
      assertEachOnce(await csvFrames(a.url, t2), 30, "t2 read on b, CSV from a");

      // A task running on b, cancelled through a: b stops it; both nodes say cancelled.
      const up3 = await uploadBatch(b.url, [{ name: "long.mp4", path: long }], { rois: rois(40) });
      assert.equal(up3.status, 201, JSON.stringify(up3.json));
      const t3 = String(up3.json.task_id);
      await waitFor(async () => {
        const { json } = await getJson(`${a.url}/api/batch/${t3}`);
        return json.node === "b" && Number(json.frames_done) > 0;
      }, { timeoutMs: 20_000, what: "t3 running on b, seen from a" });
      const cancel = await fetch(`${a.url}/api/batch/${t3}/cancel`, { method: "POST" });
      assert.equal(cancel.status, 200);
      assert.equal((await cancel.json()).status, "cancelled");
      const cancelled = await waitForStatus(b.url, t3, ["cancelled"], { timeoutMs: 10_000 });
      // A task deleted through a is gone on b, its footage too.
      const del = await fetch(`${a.url}/api/batch/${t2}`, { method: "DELETE" });
      assert.equal(del.status, 200);
      await del.body?.cancel();
      await waitFor(async () => (await getJson(`${b.url}/api/batch/${t2}`)).status === 404, {
        timeoutMs: 10_000,
        what: "t2 deleted on b",
      });
      await waitFor(() => !existsSync(join(dirB, ".visionroi", "uploads", t2)), {
        timeoutMs: 10_000,
        what: "t2's footage removed on b",
      });

      // kill -9 of a in the middle of t1.
      const before = (await getJson(`${b.url}/api/batch/${t1}`)).json;
      await a.kill9();
      const killedAt = Date.now();
      assert.equal(before.status, "processing");
      assert.ok(
        Number(before.frames_done) < 300,
        `t1 still running at the kill (${before.frames_done})`,
      );

      const done1 = await waitForStatus(b.url, t1, ["completed", "failed"], { timeoutMs: 45_000 });
      const resumedIn = Date.now() - killedAt;
      assert.equal(done1.status, "completed", String(done1.error));
      assert.equal(done1.node, "b");
      assert.equal(done1.frames_done, 300);
      assert.equal(done1.roi_reads, 300);
      assertEachOnce(await csvFrames(b.url, t1), 300, "t1 across a and b");
      // The cancelled task stayed cancelled (b had a free slot all along).
      const t3Now = (await getJson(`${b.url}/api/batch/${t3}`)).json;
      assert.equal(t3Now.status, "cancelled");
      assert.equal(t3Now.frames_done, cancelled.frames_done);
      // b read the footage it never received from the Object Store.
      const files = (done1.files as string[]).map((f) =>
        join(dirB, ".visionroi", "uploads", t1, f)
      );
      assert.ok(files.length === 1 && Deno.statSync(files[0]).size > 0);

      // The task's log: a's claim from the start, b's claim after a's last appended range, and
      // every frame range after it from b.
      const events = await taskLog(nc, t1);
      assertContiguous(events);
      const starts = events.filter((e) => e.type === "start");
      assert.deepEqual(starts.map((s) => s.node), ["a", "b"]);
      const lastOfA = events.filter((e) => e.type === "frames" && e.node === "a").at(-1);
      assert.ok(lastOfA && lastOfA.type === "frames");
      const from = starts[1].type === "start" ? starts[1].progress.last_frame : NaN;
      assert.equal(from, lastOfA.progress.last_frame, "b continued after a's last range");
      assert.ok(from >= 0 && from < 299, `a appended ${from + 1} frames before the kill`);
      const firstOfB = events.find((e) => e.type === "frames" && e.node === "b");
      assert.ok(firstOfB?.type === "frames" && firstOfB.frames[0].index === from + 1);
      const claimedIn = starts[1].type === "start" ? starts[1].at * 1000 - killedAt : NaN;
      console.log(
        `cluster batch: a appended frames 0–${from} before kill -9; b took t1 over ` +
          `${(claimedIn / 1000).toFixed(1)} s and completed it ` +
          `${(resumedIn / 1000).toFixed(1)} s after the kill; test ${(Date.now() - t0) / 1000} s`,
      );
    } finally {
      for (const n of nodes) await n.kill9();
      await nc.close();
      await nats.close();
      await Deno.remove(tmp, { recursive: true }).catch(() => undefined);
    }
  },
});
