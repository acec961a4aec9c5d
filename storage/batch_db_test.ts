import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { BatchDb, type BatchRow, type NewBatchTask } from "./batch_db.ts";
import { BATCH_MIGRATIONS } from "./batch_schema.ts";

function task(id: string, created: number): NewBatchTask {
  return {
    id,
    owner: "local",
    name: id,
    source: "",
    group_name: "",
    rois: "[]",
    kind: "video",
    files: '["0-a.mp4"]',
    dir: `/nowhere/${id}`,
    bytes: 1,
    every_n_frames: 1,
    fps: null,
    video_fps: 25,
    width: 8,
    height: 8,
    frames_expected: 3,
    created_at: created,
  };
}

function row(frame: number, roi: string, error: string | null = null): BatchRow {
  return {
    frame_index: frame,
    frame_time: frame / 25,
    roi_id: roi,
    name: roi,
    module: "digits",
    text: error ? "" : "12",
    value: error ? null : 12,
    confidence: 0.9,
    duration: 0.01,
    error,
  };
}

Deno.test("batch db: migrates to the latest version in WAL mode and reopens without change", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const db = new BatchDb(dir);
    assert.equal(db.version(), BATCH_MIGRATIONS.length);
    db.insertTask(task("a", 1));
    db.close();
    const again = new BatchDb(dir);
    assert.equal(again.version(), BATCH_MIGRATIONS.length);
    assert.equal(again.task("a")?.status, "pending");
    again.close();
    const raw = new DatabaseSync(`${dir}/visionroi.db`);
    assert.deepEqual({ ...raw.prepare("PRAGMA journal_mode").get() }, { journal_mode: "wal" });
    raw.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("batch db: a frame's rows and counters land together; a frame is never stored twice", async () => {
  const dir = await Deno.makeTempDir();
  const db = new BatchDb(dir);
  try {
    db.insertTask(task("t", 1));
    db.storeFrame("t", 0, [row(0, "a"), row(0, "b", "deadline")], 10);
    db.storeFrame("t", 1, [row(1, "a"), row(1, "b")], 20);
    assert.throws(() => db.storeFrame("t", 1, [row(1, "a")], 5), /frame 1 is not after/);
    const t = db.task("t")!;
    assert.deepEqual([t.frames_done, t.last_frame, t.roi_reads, t.errors, t.busy_ms], [
      2,
      1,
      3,
      1,
      30,
    ]);
    assert.deepEqual([...db.results("t")].map((r) => [r.frame_index, r.roi_id]), [
      [0, "a"],
      [0, "b"],
      [1, "a"],
      [1, "b"],
    ]);
    assert.equal(db.stats().avg_seconds_per_frame, 0.015);
    db.deleteTask("t");
    assert.equal(db.resultCount("t"), 0);
    assert.equal(db.task("t"), undefined);
  } finally {
    db.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("batch db: runnable lists interrupted tasks before pending ones; list is newest first", async () => {
  const dir = await Deno.makeTempDir();
  const db = new BatchDb(dir);
  try {
    db.insertTask(task("old", 1));
    db.insertTask(task("mid", 2));
    db.insertTask(task("new", 3));
    db.updateTask("mid", { status: "processing" });
    db.updateTask("new", { status: "completed" });
    assert.deepEqual(db.runnable().map((t) => t.id), ["mid", "old"]);
    assert.deepEqual(db.tasks().map((t) => t.id), ["new", "mid", "old"]);
    assert.deepEqual(db.tasks({ status: "pending" }).map((t) => t.id), ["old"]);
    assert.equal(db.pendingCount(), 1);
  } finally {
    db.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("batch db: live history filters by source, ROI and time, and prunes by age and count", async () => {
  const dir = await Deno.makeTempDir();
  const db = new BatchDb(dir);
  try {
    const live = (time: number, source: string, roi: string) => ({
      time,
      cam_id: "c",
      source,
      roi_id: roi,
      name: roi,
      module: "digits",
      text: String(time),
      value: time,
      duration: 0.1,
    });
    db.insertLive([live(10, "a", "x"), live(20, "a", "y"), live(30, "b", "x"), live(40, "a", "x")]);
    assert.deepEqual(db.liveRows({ source: "a", roi: "x" }).map((r) => r.time), [10, 40]);
    assert.deepEqual(db.liveRows({ from: 15, to: 30 }).map((r) => r.time), [20, 30]);
    assert.equal(db.pruneLive({ before: 15, maxRows: 2 }), 2);
    assert.deepEqual(db.liveRows().map((r) => r.time), [30, 40]);
  } finally {
    db.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("batch db: a version 1 file gains the warning column and keeps its tasks", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const raw = new DatabaseSync(`${dir}/visionroi.db`);
    raw.exec(BATCH_MIGRATIONS[0]);
    raw.exec("PRAGMA user_version = 1");
    raw.prepare(
      "INSERT INTO batch_tasks (id, owner, name, source, group_name, rois, kind, files, dir, " +
        "bytes, every_n_frames, width, height, status, frames_expected, created_at) " +
        "VALUES ('old', 'local', 'old', '', '', '[]', 'video', '[]', '/x', 1, 1, 8, 8, " +
        "'completed', 3, 1)",
    ).run();
    raw.close();
    const db = new BatchDb(dir);
    try {
      assert.equal(db.version(), BATCH_MIGRATIONS.length);
      assert.equal(db.task("old")?.warning, null);
      db.updateTask("old", { warning: "video ended at frame 1 of 3 (truncated?)" });
      assert.equal(db.task("old")?.warning, "video ended at frame 1 of 3 (truncated?)");
    } finally {
      db.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
