/**
 * This project's own files live under `<dataDir>/.visionroi/`; an install from before keeps its
 * state: the start moves `.actors/`, `uploads/`, `visionroi.db*`, `mqtt_outbox.db*` and the
 * first-start marker there, and the restarted server runs the same job with the same stored spec.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { loadConfig } from "../config.ts";
import { startSystem, visionRoiNotice } from "../system.ts";
import { FIRST_START_FILE, migrateOwnFiles, OWN_DIR } from "../storage/own_dir.ts";
import { panelRois, writePanelPng } from "./helpers/panel.ts";
import { waitFor } from "./helpers/wait.ts";
import type { JobRoi } from "../actors/jobs/inference_job_actor.ts";

const T = { sanitizeResources: false, sanitizeOps: false };

async function names(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) out.push(e.name);
  return out.sort();
}

/** Moves the folder's contents back to where an older install kept them. */
async function toOldLayout(dataDir: string): Promise<void> {
  const own = join(dataDir, OWN_DIR);
  for (const name of await names(own)) {
    if (name === FIRST_START_FILE) continue;
    await Deno.rename(join(own, name), join(dataDir, name));
  }
  await Deno.rename(join(own, FIRST_START_FILE), join(dataDir, "marker.tmp-old"));
  await Deno.remove(own);
  await Deno.rename(join(dataDir, "marker.tmp-old"), join(dataDir, OWN_DIR)); // the old marker file
}

Deno.test({
  ...T,
  name:
    "own folder: an old layout is moved at start; the job, its inline ROIs and the marker are kept",
  fn: async () => {
    const root = await Deno.makeTempDir({ prefix: "visionroi-owndir-" });
    const dataDir = join(root, "data_sources");
    try {
      await Deno.mkdir(dataDir);
      await writePanelPng(join(root, "panel.png"), 0);
      // First life, with the demo: it makes the marker; the demo is then deleted.
      const config = loadConfig(["--data-dir", dataDir], () => undefined);
      let system = await startSystem(config);
      const rois = panelRois("all").filter((r) => r.id === "counter") as unknown as JobRoi[];
      try {
        await system.state.deleteSource("demo");
        await system.state.createSource({ name: "panel", source: join(root, "panel.png") });
        const answer = await system.jobs.start("j1", {
          settings: { name: "panel" },
          rois,
          group: "all",
          interval: 0.5,
        });
        assert.equal(answer.status, "started");
      } finally {
        await system.stop();
      }
      const own = join(dataDir, OWN_DIR);
      const inOwn = await names(own);
      for (const n of [".actors", "uploads", "visionroi.db", FIRST_START_FILE]) {
        assert.ok(inOwn.includes(n), `${n} in ${inOwn}`);
      }
      const top = await names(dataDir);
      for (const n of [".actors", "uploads", "visionroi.db", "mqtt_outbox.db"]) {
        assert.ok(!top.includes(n), `${n} not beside the sources: ${top}`);
      }
      const spec = await Deno.readTextFile(join(own, ".actors", "job", "j1.json"));

      await toOldLayout(dataDir);
      assert.ok((await Deno.stat(join(dataDir, OWN_DIR))).isFile, "the old marker is a file");
      assert.ok((await names(dataDir)).includes(".actors"));

      // Second life on the old layout: everything moves, nothing is lost.
      system = await startSystem(config);
      try {
        assert.ok((await Deno.stat(own)).isDirectory);
        const after = await names(dataDir);
        assert.ok(!after.includes(".actors") && !after.includes("visionroi.db"), `${after}`);
        assert.equal(await Deno.readTextFile(join(own, ".actors", "job", "j1.json")), spec);
        assert.deepEqual(await system.sources.names(), ["panel"], "the deleted demo stays deleted");
        await waitFor(() => system.jobs.state("j1") === "running", {
          timeoutMs: 20_000,
          what: "job j1 restored",
        });
        const cfg = system.jobs.config("j1")!;
        assert.deepEqual(cfg.rois.map((r) => r.id), ["counter"], "the inline ROIs were kept");
        assert.equal(cfg.interval, 0.5);
      } finally {
        await system.stop();
      }
      // Idempotent: nothing left to move.
      assert.deepEqual(await migrateOwnFiles(dataDir, () => {}), []);
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});

Deno.test("own folder: a migration stopped half-way finishes; a name in both places is left", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "visionroi-owndir-" });
  try {
    // Crashed after the old marker was set aside, before it moved in.
    await Deno.writeTextFile(join(dataDir, ".visionroi.first-start"), "{}");
    await Deno.mkdir(join(dataDir, OWN_DIR));
    await Deno.writeTextFile(join(dataDir, "visionroi.db-wal"), "wal");
    await Deno.writeTextFile(join(dataDir, OWN_DIR, "visionroi.db"), "db");
    await Deno.writeTextFile(join(dataDir, ".sessions.json"), "old");
    await Deno.writeTextFile(join(dataDir, OWN_DIR, ".sessions.json"), "new");
    const lines: string[] = [];
    const moved = await migrateOwnFiles(dataDir, (l) => lines.push(l));
    assert.deepEqual(moved, [OWN_DIR, "visionroi.db-wal"]);
    assert.equal(await Deno.readTextFile(join(dataDir, OWN_DIR, FIRST_START_FILE)), "{}");
    assert.equal(await Deno.readTextFile(join(dataDir, OWN_DIR, "visionroi.db-wal")), "wal");
    assert.equal(await Deno.readTextFile(join(dataDir, OWN_DIR, ".sessions.json")), "new");
    assert.equal(await Deno.readTextFile(join(dataDir, ".sessions.json")), "old");
    assert.ok(lines.some((l) => l.includes(".sessions.json not moved")));
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("first start notice: VisionROI files beside the data dir are named until taken over", async () => {
  const root = await Deno.makeTempDir({ prefix: "visionroi-notice-" });
  const dataDir = join(root, "data_sources");
  try {
    await Deno.mkdir(dataDir);
    assert.equal(await visionRoiNotice(dataDir), undefined);
    await Deno.writeTextFile(join(root, "mqtt_configs.json"), "[]");
    await Deno.writeTextFile(join(root, "service_state.json"), "{}");
    const notice = await visionRoiNotice(dataDir);
    assert.match(notice ?? "", /mqtt_configs\.json, service_state\.json/);
    assert.ok(notice?.includes(`deno task import-visionroi ${root} --data-dir ${dataDir}`));
    await Deno.writeTextFile(join(dataDir, "mqtt_configs.json"), "[]");
    await Deno.writeTextFile(join(dataDir, "service_state.json"), "{}");
    assert.equal(await visionRoiNotice(dataDir), undefined);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
