/**
 * The SQLite database of a data dir (`<dataDir>/visionroi.db`, WAL): batch tasks, their result rows
 * and the live results history. Schema changes are migrations keyed by `PRAGMA user_version`. A
 * frame's rows and the task's counters are written in one transaction, so after a crash the task's
 * `last_frame` names exactly the frames whose rows exist.
 */
import { DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite";
import { join } from "node:path";
import { BATCH_MIGRATIONS } from "./batch_schema.ts";

/** File name of the database inside the data dir. */
export const DB_FILE = "visionroi.db";

/** Lifecycle of a batch task. */
export type BatchStatus = "pending" | "processing" | "completed" | "failed" | "cancelled";

/** Every status, for validation of `?status=`. */
export const BATCH_STATUSES: readonly BatchStatus[] = [
  "pending",
  "processing",
  "completed",
  "failed",
  "cancelled",
];

/** What a batch task reads: a video, or a list of images (uploaded, or unpacked from a zip). */
export type MediaKind = "video" | "images";

/** One row of `batch_tasks`. */
export interface BatchTask {
  id: string;
  /** Who created it: `admin`, a user name from the tokens file, or `local` without access control. */
  owner: string;
  name: string;
  /** Source whose saved ROIs were used, or "" for inline ROIs. */
  source: string;
  group_name: string;
  /** The validated ROI tasks as JSON. */
  rois: string;
  kind: MediaKind;
  /** Uploaded file names, JSON array, in reading order. */
  files: string;
  /** Folder of the task's files. */
  dir: string;
  bytes: number;
  every_n_frames: number;
  /** Frames per second asked for, or null when every_n_frames decides. */
  fps: number | null;
  /** Frames per second of the video (for frame times), or null for images. */
  video_fps: number | null;
  width: number;
  height: number;
  status: BatchStatus;
  frames_expected: number;
  frames_done: number;
  /** Index of the last frame whose rows are stored; -1 before the first. */
  last_frame: number;
  roi_reads: number;
  errors: number;
  /** Milliseconds spent processing (sums across restarts). */
  busy_ms: number;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  error: string | null;
  /** Why a completed task may be incomplete (it ended before the frames ffprobe promised). */
  warning: string | null;
}

/** A new task: everything but the counters. */
export type NewBatchTask = Omit<
  BatchTask,
  | "status"
  | "frames_done"
  | "last_frame"
  | "roi_reads"
  | "errors"
  | "busy_ms"
  | "started_at"
  | "finished_at"
  | "error"
  | "warning"
>;

/** One stored reading of a batch frame's ROI. */
export interface BatchRow {
  frame_index: number;
  /** Seconds from the start of the video (null for images). */
  frame_time: number | null;
  roi_id: string;
  name: string;
  module: string;
  text: string;
  value: number | null;
  confidence: number | null;
  duration: number;
  error: string | null;
}

/** One live result row (history of running jobs). */
export interface LiveRow {
  /** Seconds since the epoch (the frame's capture time). */
  time: number;
  cam_id: string;
  source: string;
  roi_id: string;
  name: string;
  module: string;
  text: string;
  value: number | null;
  duration: number;
  /** Plausibility status (`accepted` / `rejected`); null for a ROI without rules. */
  status?: string | null;
  /** Why it was rejected; null otherwise. */
  reason?: string | null;
}

/** Filters of the live history query; times in seconds since the epoch. */
export interface LiveQuery {
  source?: string;
  /** One ROI id, or any of several. */
  roi?: string | string[];
  from?: number;
  to?: number;
  /** Most rows answered [100000]. */
  limit?: number;
  /** `desc`: newest first (the limit keeps the newest) [asc]. */
  order?: "asc" | "desc";
  /** Only rows stored up to this row id (see {@linkcode BatchDb.liveMaxId}). */
  maxId?: number;
}

/** Counters of `GET /api/batch/stats`. */
export interface BatchStats {
  queued: number;
  running: number;
  done: number;
  failed: number;
  cancelled: number;
  /** Mean processing seconds per frame over finished and running tasks (null before any frame). */
  avg_seconds_per_frame: number | null;
}

/** The database; one connection per process, used from the main thread only. */
export class BatchDb {
  /** Absolute path of the database file. */
  readonly path: string;
  #db: DatabaseSync;
  #stmts = new Map<string, StatementSync>();

  /** Opens (creating and migrating) `<dataDir>/visionroi.db`. */
  constructor(dataDir: string) {
    this.path = join(dataDir, DB_FILE);
    this.#db = new DatabaseSync(this.path);
    this.#db.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;");
    this.#migrate();
  }

  /** Closes the connection. */
  close(): void {
    this.#stmts.clear();
    this.#db.close();
  }

  /** The schema version (`PRAGMA user_version`). */
  version(): number {
    return Number(
      (this.#db.prepare("PRAGMA user_version").get() as { user_version: number })
        .user_version,
    );
  }

  /** Inserts a pending task. */
  insertTask(task: NewBatchTask): void {
    const cols = Object.keys(task);
    this.#db.prepare(
      `INSERT INTO batch_tasks (${cols.join(",")}, status) VALUES (${
        cols.map((c) => `:${c}`).join(",")
      }, 'pending')`,
    ).run(task as unknown as Record<string, SQLInputValue>);
  }

  /** A task by id. */
  task(id: string): BatchTask | undefined {
    return this.#stmt("SELECT * FROM batch_tasks WHERE id = ?").get(id) as BatchTask | undefined;
  }

  /** Tasks newest first, optionally of one status and one owner. */
  tasks(filter: { status?: BatchStatus; owner?: string } = {}): BatchTask[] {
    const where: string[] = [];
    const args: SQLInputValue[] = [];
    if (filter.status) where.push("status = ?") && args.push(filter.status);
    if (filter.owner !== undefined) where.push("owner = ?") && args.push(filter.owner);
    const sql = `SELECT * FROM batch_tasks ${where.length ? "WHERE " + where.join(" AND ") : ""} ` +
      "ORDER BY created_at DESC, rowid DESC";
    return this.#db.prepare(sql).all(...args) as unknown as BatchTask[];
  }

  /** Tasks that should run, oldest first: interrupted `processing` ones before `pending` ones. */
  runnable(): BatchTask[] {
    return this.#stmt(
      "SELECT * FROM batch_tasks WHERE status IN ('processing','pending') " +
        "ORDER BY status = 'pending', created_at, rowid",
    ).all() as unknown as BatchTask[];
  }

  /** How many tasks wait in the queue. */
  pendingCount(): number {
    return Number(
      (this.#stmt("SELECT count(*) AS n FROM batch_tasks WHERE status = 'pending'").get() as {
        n: number;
      }).n,
    );
  }

  /** Sets some fields of a task. */
  updateTask(id: string, patch: Partial<Omit<BatchTask, "id">>): void {
    const cols = Object.keys(patch);
    if (cols.length === 0) return;
    this.#db.prepare(
      `UPDATE batch_tasks SET ${cols.map((c) => `${c} = :${c}`).join(", ")} ` +
        "WHERE id = :id",
    ).run({ ...(patch as Record<string, SQLInputValue>), id });
  }

  /**
   * Stores the rows of one frame and advances the task's counters in one transaction. Throws
   * (and stores nothing) when the frame is not after the task's last stored frame.
   */
  storeFrame(id: string, frameIndex: number, rows: BatchRow[], busyMs: number): void {
    const ins = this.#stmt(
      "INSERT INTO batch_results (task_id, frame_index, frame_time, roi_id, name, module, text, " +
        "value, confidence, duration, error) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
    );
    const upd = this.#stmt(
      "UPDATE batch_tasks SET frames_done = frames_done + 1, last_frame = ?, " +
        "roi_reads = roi_reads + ?, errors = errors + ?, busy_ms = busy_ms + ? " +
        "WHERE id = ? AND last_frame < ?",
    );
    this.#transaction(() => {
      const errors = rows.filter((r) => r.error !== null).length;
      const changed = upd.run(frameIndex, rows.length - errors, errors, busyMs, id, frameIndex);
      if (Number(changed.changes) !== 1) {
        throw new RangeError(`task ${id}: frame ${frameIndex} is not after the last stored frame`);
      }
      for (const r of rows) {
        ins.run(
          id,
          r.frame_index,
          r.frame_time,
          r.roi_id,
          r.name,
          r.module,
          r.text,
          r.value,
          r.confidence,
          r.duration,
          r.error,
        );
      }
    });
  }

  /** The result rows of a task in frame then ROI order, read lazily. */
  *results(id: string): Generator<BatchRow & { task_id: string }> {
    const stmt = this.#db.prepare(
      "SELECT task_id, frame_index, frame_time, roi_id, name, module, text, value, confidence, " +
        "duration, error FROM batch_results WHERE task_id = ? ORDER BY frame_index, rowid",
    );
    yield* stmt.iterate(id) as Iterable<BatchRow & { task_id: string }>;
  }

  /** Number of stored rows of a task. */
  resultCount(id: string): number {
    return Number(
      (this.#stmt("SELECT count(*) AS n FROM batch_results WHERE task_id = ?").get(id) as {
        n: number;
      }).n,
    );
  }

  /** Removes a task and its rows. */
  deleteTask(id: string): void {
    this.#transaction(() => {
      this.#stmt("DELETE FROM batch_results WHERE task_id = ?").run(id);
      this.#stmt("DELETE FROM batch_tasks WHERE id = ?").run(id);
    });
  }

  /** Queue and speed counters. */
  stats(): BatchStats {
    const counts = Object.fromEntries(
      (this.#stmt("SELECT status, count(*) AS n FROM batch_tasks GROUP BY status").all() as {
        status: string;
        n: number;
      }[]).map((r) => [r.status, Number(r.n)]),
    );
    const speed = this.#stmt(
      "SELECT sum(busy_ms) AS ms, sum(frames_done) AS frames FROM batch_tasks WHERE frames_done > 0",
    ).get() as { ms: number | null; frames: number | null };
    return {
      queued: counts.pending ?? 0,
      running: counts.processing ?? 0,
      done: counts.completed ?? 0,
      failed: counts.failed ?? 0,
      cancelled: counts.cancelled ?? 0,
      avg_seconds_per_frame: speed.frames ? Number(speed.ms) / 1000 / Number(speed.frames) : null,
    };
  }

  /** Appends live rows in one transaction. */
  insertLive(rows: LiveRow[]): void {
    if (rows.length === 0) return;
    const ins = this.#stmt(
      "INSERT INTO live_results " +
        "(time, cam_id, source, roi_id, name, module, text, value, duration, status, reason) " +
        "VALUES (?,?,?,?,?,?,?,?,?,?,?)",
    );
    this.#transaction(() => {
      for (const r of rows) {
        ins.run(
          r.time,
          r.cam_id,
          r.source,
          r.roi_id,
          r.name,
          r.module,
          r.text,
          r.value,
          r.duration,
          r.status ?? null,
          r.reason ?? null,
        );
      }
    });
  }

  /** The id of the newest stored live row (0 when none): rows stored later have larger ids. */
  liveMaxId(): number {
    const r = this.#stmt("SELECT max(id) AS id FROM live_results").get() as { id: number | null };
    return Number(r.id ?? 0);
  }

  /** Live rows matching `q`, oldest first. */
  liveRows(q: LiveQuery = {}): LiveRow[] {
    const where: string[] = [];
    const args: SQLInputValue[] = [];
    if (q.source !== undefined) where.push("source = ?") && args.push(q.source);
    if (q.roi !== undefined) {
      const ids = [q.roi].flat();
      where.push(`roi_id IN (${ids.map(() => "?").join(",")})`) && args.push(...ids);
    }
    if (q.from !== undefined) where.push("time >= ?") && args.push(q.from);
    if (q.to !== undefined) where.push("time <= ?") && args.push(q.to);
    if (q.maxId !== undefined) where.push("id <= ?") && args.push(q.maxId);
    const sql =
      "SELECT time, cam_id, source, roi_id, name, module, text, value, duration, status, reason " +
      `FROM live_results ${where.length ? "WHERE " + where.join(" AND ") : ""} ` +
      (q.order === "desc" ? "ORDER BY time DESC, id DESC LIMIT ?" : "ORDER BY time, id LIMIT ?");
    return this.#db.prepare(sql).all(...args, q.limit ?? 100_000) as unknown as LiveRow[];
  }

  /** Deletes live rows older than `before` (epoch seconds) and beyond the newest `maxRows`; returns how many went. */
  pruneLive(opts: { before: number; maxRows: number }): number {
    let removed = Number(
      this.#stmt("DELETE FROM live_results WHERE time < ?").run(opts.before)
        .changes,
    );
    const cut = this.#stmt("SELECT id FROM live_results ORDER BY id DESC LIMIT 1 OFFSET ?")
      .get(opts.maxRows) as { id: number } | undefined;
    if (cut) {
      removed += Number(this.#stmt("DELETE FROM live_results WHERE id <= ?").run(cut.id).changes);
    }
    return removed;
  }

  #stmt(sql: string): StatementSync {
    let s = this.#stmts.get(sql);
    if (!s) this.#stmts.set(sql, s = this.#db.prepare(sql));
    return s;
  }

  #transaction(fn: () => void): void {
    this.#db.exec("BEGIN IMMEDIATE");
    try {
      fn();
      this.#db.exec("COMMIT");
    } catch (err) {
      this.#db.exec("ROLLBACK");
      throw err;
    }
  }

  #migrate(): void {
    const from = this.version();
    if (from > BATCH_MIGRATIONS.length) {
      throw new RangeError(
        `${this.path} has schema version ${from}; this VisionROI knows ${BATCH_MIGRATIONS.length}`,
      );
    }
    for (let v = from; v < BATCH_MIGRATIONS.length; v++) {
      this.#transaction(() => {
        this.#db.exec(BATCH_MIGRATIONS[v]);
        this.#db.exec(`PRAGMA user_version = ${v + 1}`);
      });
    }
  }
}
