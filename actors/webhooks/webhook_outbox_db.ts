/**
 * The queues of every webhook in one SQLite file (`.visionroi/webhook_outbox.db`, WAL), so queued
 * deliveries survive a restart, with each hook's counters and, for `when: changed`, the last text
 * it saw per ROI. As in the MQTT outbox, changes made during a turn of the event loop are written
 * in one transaction at its end.
 */
import { BatchedSqlite } from "../../storage/batched_sqlite.ts";
import type { Delivery, DeliveryRecord, QueuePersistence } from "./webhook_queue.ts";

/** File name inside the project's own folder. */
export const WEBHOOK_OUTBOX_DB_FILE = "webhook_outbox.db";

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS deliveries (
    hook TEXT NOT NULL,
    seq INTEGER NOT NULL,
    body TEXT NOT NULL,
    queued_at REAL NOT NULL,
    PRIMARY KEY (hook, seq)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS records (
    hook TEXT PRIMARY KEY,
    record TEXT NOT NULL
  );
  CREATE TABLE IF NOT EXISTS last_text (
    hook TEXT NOT NULL,
    roi TEXT NOT NULL,
    text TEXT NOT NULL,
    PRIMARY KEY (hook, roi)
  ) WITHOUT ROWID;
`;

/** The webhook outbox database; one per process, main thread only. */
export class WebhookOutboxDb extends BatchedSqlite {
  /** Opens (creating) the file at `path`. */
  constructor(path: string) {
    super(path, { schema: SCHEMA, label: "webhook outbox" });
  }

  /** The write-through of one hook's queue. */
  persistence(hook: string): QueuePersistence {
    return {
      load: () => this.#load(hook),
      add: (d) =>
        this.later(() =>
          this.stmt(
            "INSERT OR REPLACE INTO deliveries (hook, seq, body, queued_at) VALUES (?,?,?,?)",
          )
            .run(hook, d.seq, d.body, d.queuedAt)
        ),
      remove: (seq) =>
        this.later(() =>
          this.stmt("DELETE FROM deliveries WHERE hook = ? AND seq = ?").run(hook, seq)
        ),
      record: (r) =>
        this.later(() =>
          this.stmt("INSERT OR REPLACE INTO records (hook, record) VALUES (?,?)")
            .run(hook, JSON.stringify(r))
        ),
    };
  }

  /** The last accepted text per ROI key a hook saw. */
  lastTexts(hook: string): Map<string, string> {
    this.flush();
    const rows = this.db.prepare("SELECT roi, text FROM last_text WHERE hook = ?")
      .all(hook) as { roi: string; text: string }[];
    return new Map(rows.map((r) => [r.roi, r.text]));
  }

  /** Remembers the last accepted text of an ROI key for a hook. */
  setLastText(hook: string, last: { roi: string; text: string }): void {
    const { roi, text } = last;
    this.later(() =>
      this.stmt("INSERT OR REPLACE INTO last_text (hook, roi, text) VALUES (?,?,?)")
        .run(hook, roi, text)
    );
  }

  /** Forgets a hook's deliveries, record and texts (the hook was deleted). */
  clear(hook: string): void {
    this.later(() => {
      for (const table of ["deliveries", "records", "last_text"]) {
        this.stmt(`DELETE FROM ${table} WHERE hook = ?`).run(hook);
      }
    });
  }

  /** Forgets every hook not in `names` (deleted while the server was down). */
  keepOnly(names: readonly string[]): void {
    const keep = new Set(names);
    const stored = this.db.prepare(
      "SELECT hook FROM deliveries UNION SELECT hook FROM records UNION SELECT hook FROM last_text",
    ).all() as { hook: string }[];
    for (const { hook } of stored) if (!keep.has(hook)) this.clear(hook);
  }

  #load(hook: string): ReturnType<QueuePersistence["load"]> {
    this.flush();
    const rows = this.db.prepare(
      "SELECT seq, body, queued_at FROM deliveries WHERE hook = ? ORDER BY seq",
    ).all(hook) as { seq: number; body: string; queued_at: number }[];
    const rec = this.db.prepare("SELECT record FROM records WHERE hook = ?").get(hook) as
      | { record: string }
      | undefined;
    return {
      deliveries: rows.map((r): Delivery => ({
        seq: Number(r.seq),
        body: r.body,
        queuedAt: Number(r.queued_at),
      })),
      record: rec ? JSON.parse(rec.record) as DeliveryRecord : undefined,
    };
  }
}
