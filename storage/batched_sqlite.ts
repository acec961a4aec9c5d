/**
 * A SQLite file (WAL) whose writes are collected during a turn of the event loop and committed in
 * one transaction at its end: a burst of changes costs one commit, not one each. The MQTT outbox
 * and the webhook outbox both persist their queues this way; each subclass adds its own tables and
 * queries on top.
 */
import { DatabaseSync, type StatementSync } from "node:sqlite";

/** A SQLite database with batched, end-of-turn writes; one per file, main thread only. */
export class BatchedSqlite {
  /** The open database, for the subclass's reads. */
  protected readonly db: DatabaseSync;
  #label: string;
  #stmts = new Map<string, StatementSync>();
  #pending: (() => void)[] = [];
  #closed = false;

  /** Opens (creating) the file at `path` and runs `schema`; `label` names it in error lines. */
  constructor(path: string, opts: { schema: string; label: string }) {
    this.db = new DatabaseSync(path);
    this.db.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;");
    this.db.exec(opts.schema);
    this.#label = opts.label;
  }

  /** Writes what is pending now (also done at the end of every turn). */
  flush(): void {
    if (this.#closed || this.#pending.length === 0) return;
    const ops = this.#pending;
    this.#pending = [];
    this.db.exec("BEGIN IMMEDIATE");
    try {
      for (const op of ops) op();
      this.db.exec("COMMIT");
    } catch (err) {
      this.db.exec("ROLLBACK");
      // What was queued is still in memory and goes out; only a restart now could lose it.
      console.error(
        `${this.#label}: could not persist ${ops.length} changes: ${(err as Error).message}`,
      );
    }
  }

  /** Writes what is pending and closes the file. */
  close(): void {
    if (this.#closed) return;
    this.flush();
    this.#closed = true;
    this.#stmts.clear();
    this.db.close();
  }

  /** Queues a write for the end of this turn (dropped once closed). */
  protected later(op: () => void): void {
    if (this.#closed) return;
    if (this.#pending.length === 0) queueMicrotask(() => this.flush());
    this.#pending.push(op);
  }

  /** A prepared statement, cached by its SQL. */
  protected stmt(sql: string): StatementSync {
    let s = this.#stmts.get(sql);
    if (!s) this.#stmts.set(sql, s = this.db.prepare(sql));
    return s;
  }
}
