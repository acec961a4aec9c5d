/**
 * Batch tasks survive `kill -9`: the restarted server resumes after the last stored frame, with no
 * duplicate and no missing row; partial uploads left by the crash are removed at start. With
 * per-user tokens, one user cannot see another's task; the admin token sees every task.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { startServer } from "./helpers/server.ts";
import { panelRois } from "./helpers/panel.ts";
import { makePanelClip } from "./helpers/panel_clip.ts";
import { waitFor } from "./helpers/wait.ts";
import { authHeader, getJson, uploadBatch, waitForStatus } from "./helpers/batch_client.ts";

type Json = Record<string, unknown>;
const ROIS = JSON.stringify(panelRois());

Deno.test({
  name: "batch: kill -9 mid-task, restart: the task resumes and completes with no duplicate rows",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "visionroi-resume-" });
    const data = join(dir, "data");
    const clip = await makePanelClip(dir, { seconds: 5, fps: 5 });
    const args = ["--no-demo", "--workers", "1"];
    let server = await startServer(data, args);
    try {
      const up = await uploadBatch(server.url, [{ name: "panel.mp4", path: clip.path }], {
        rois: ROIS,
      });
      assert.equal(up.status, 201);
      const id = String(up.json.task_id);
      const before = await waitFor(async () => {
        const { json } = await getJson(`${server.url}/api/batch/${id}`);
        return Number(json.frames_done) >= 3 ? json : undefined;
      }, { timeoutMs: 30_000, what: "3 frames done" });
      await server.kill9();
      assert.equal(before.status, "processing");
      // A crash in the middle of an upload leaves a temp folder behind.
      await Deno.mkdir(join(data, ".visionroi", "uploads", ".tmp-crashed"));
      await Deno.writeTextFile(
        join(data, ".visionroi", "uploads", ".tmp-crashed", "0-part.mp4"),
        "partial",
      );

      server = await startServer(data, args);
      const after = await waitForStatus(server.url, id, ["completed", "failed"], {
        timeoutMs: 60_000,
      });
      assert.equal(after.status, "completed", String(after.error));
      assert.equal(after.frames_done, 25);
      assert.equal(Number(after.roi_reads) + Number(after.errors), 100, "each ROI read once");
      const db = new DatabaseSync(join(data, ".visionroi", "visionroi.db"), { readOnly: true });
      try {
        const counts = db.prepare(
          "SELECT frame_index, count(*) AS n FROM batch_results WHERE task_id = ? " +
            "GROUP BY frame_index ORDER BY frame_index",
        ).all(id) as { frame_index: number; n: number }[];
        assert.deepEqual(
          counts.map((c) => [c.frame_index, c.n]),
          Array.from({ length: 25 }, (_, i) => [i, 4]),
        );
      } finally {
        db.close();
      }
      const uploads = [...Deno.readDirSync(join(data, ".visionroi", "uploads"))].map((e) => e.name);
      assert.deepEqual(uploads, [id], "the crashed temp upload was removed at start");
    } finally {
      await server.kill9();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "batch: with per-user tokens a user sees only its own tasks; the admin token sees all",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "visionroi-owner-" });
    const data = join(dir, "data");
    const admin = "a".repeat(40), alice = "b".repeat(40), bob = "c".repeat(40);
    await Deno.mkdir(data, { recursive: true });
    await Deno.writeTextFile(join(data, ".access_token"), admin + "\n", { mode: 0o600 });
    await Deno.writeTextFile(join(data, ".access_tokens.json"), JSON.stringify({ alice, bob }));
    const clip = await makePanelClip(dir, { seconds: 1, fps: 2 });
    const server = await startServer(data, ["--no-demo", "--workers", "1", "--auth", "required"]);
    const base = server.url;
    try {
      const anon = await uploadBatch(base, [{ name: "p.mp4", path: clip.path }], { rois: ROIS });
      assert.equal(anon.status, 401);
      const up = await uploadBatch(base, [{ name: "p.mp4", path: clip.path }], {
        rois: ROIS,
      }, alice);
      assert.equal(up.status, 201, JSON.stringify(up.json));
      const id = String(up.json.task_id);
      const mine = await getJson(`${base}/api/batch`, alice);
      assert.deepEqual((mine.json.tasks as Json[]).map((t) => [t.task_id, t.owner]), [
        [id, "alice"],
      ]);
      const theirs = await getJson(`${base}/api/batch`, bob);
      assert.deepEqual(theirs.json.tasks, []);
      assert.equal((await getJson(`${base}/api/batch/${id}`, bob)).status, 404);
      assert.equal((await getJson(`${base}/api/batch/${id}/results`, bob)).status, 404);
      const cancel = await fetch(`${base}/api/batch/${id}/cancel`, {
        method: "POST",
        headers: authHeader(bob),
      });
      assert.equal(cancel.status, 404);
      await cancel.body?.cancel();
      const del = await fetch(`${base}/api/batch/${id}`, {
        method: "DELETE",
        headers: authHeader(bob),
      });
      assert.equal(del.status, 404);
      await del.body?.cancel();
      const all = await getJson(`${base}/api/batch`, admin);
      assert.deepEqual((all.json.tasks as Json[]).map((t) => t.task_id), [id]);
      const done = await waitForStatus(base, id, ["completed"], { token: alice });
      assert.equal(done.frames_done, 2);
    } finally {
      await server.kill9();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
