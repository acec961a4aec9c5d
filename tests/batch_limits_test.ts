/** Batch queue limits and ownership files, in-process through `app.request()`. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { loadConfig } from "../config.ts";
import { startSystem } from "../system.ts";
import { createApp } from "../routes/app.ts";
import { panelRois } from "./helpers/panel.ts";
import { makePanelClip } from "./helpers/panel_clip.ts";
import { loadUserTokens } from "../storage/token_store.ts";

Deno.test({
  name: "batch: past --max-queued pending tasks an upload is 429 and leaves no file",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "visionroi-limits-" });
    const data = join(dir, "data");
    const clip = await makePanelClip(dir, { seconds: 2, fps: 5 });
    const config = loadConfig(
      ["--data-dir", data, "--no-demo", "--workers", "1", "--max-queued", "1"],
      () => undefined,
    );
    const system = await startSystem(config);
    const app = createApp({ config, ...system, shutdown: () => system.stop() });
    const bytes = await Deno.readFile(clip.path);
    const post = async () => {
      const form = new FormData();
      form.set("file", new Blob([bytes]), "clip.mp4");
      form.set("rois", JSON.stringify(panelRois()));
      const res = await app.request("/api/batch", { method: "POST", body: form });
      return { status: res.status, json: await res.json() };
    };
    try {
      const first = await post(); // starts at once (one batch worker): not queued
      const second = await post(); // waits: the queue is full now
      const third = await post();
      assert.deepEqual([first.status, second.status, third.status], [201, 201, 429]);
      assert.match(third.json.message, /too many queued batch tasks \(limit 1, --max-queued\)/);
      const dirs = [...Deno.readDirSync(join(data, ".visionroi", "uploads"))].map((e) => e.name)
        .sort();
      assert.deepEqual(dirs, [first.json.task_id, second.json.task_id].sort());
      const stats = await (await app.request("/api/batch/stats")).json();
      assert.equal(stats.queued + stats.running + stats.done, 2);
    } finally {
      await system.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("user tokens file: a short token or a reserved name is refused, naming the entry", async () => {
  const dir = await Deno.makeTempDir();
  try {
    assert.deepEqual(await loadUserTokens(dir), []);
    const file = join(dir, ".access_tokens.json");
    await Deno.writeTextFile(file, JSON.stringify({ alice: "x".repeat(32) }));
    assert.deepEqual(await loadUserTokens(dir), [{ name: "alice", token: "x".repeat(32) }]);
    await Deno.writeTextFile(file, JSON.stringify({ bob: "short" }));
    await assert.rejects(loadUserTokens(dir), /token of "bob" must be a string of at least 32/);
    await Deno.writeTextFile(file, JSON.stringify({ admin: "y".repeat(40) }));
    await assert.rejects(loadUserTokens(dir), /invalid user name "admin"/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
