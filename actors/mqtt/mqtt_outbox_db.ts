/**
 * The outboxes of every MQTT config in one SQLite file (`<dataDir>/mqtt_outbox.db`, WAL), so queued
 * messages survive a restart. Changes are collected during a turn of the event loop and written in
 * one transaction at its end: a burst of results costs one commit, not one per message.
 */
import { BatchedSqlite } from "../../storage/batched_sqlite.ts";
import type { OutboxMessage, OutboxPersistence } from "./mqtt_outbox.ts";

/** File name inside the data dir. */
export const OUTBOX_DB_FILE = "mqtt_outbox.db";

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS outbox (
    config TEXT NOT NULL,
    seq INTEGER NOT NULL,
    topic TEXT NOT NULL,
    payload TEXT NOT NULL,
    qos INTEGER NOT NULL,
    retain INTEGER NOT NULL,
    queued_at REAL NOT NULL,
    PRIMARY KEY (config, seq)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS outbox_counters (
    config TEXT PRIMARY KEY,
    sent INTEGER NOT NULL,
    dropped INTEGER NOT NULL
  );
`;

interface Row {
  seq: number;
  topic: string;
  payload: string;
  qos: number;
  retain: number;
  queued_at: number;
}

/** The outbox database; one per process, main thread only. */
export class OutboxDb extends BatchedSqlite {
  /** Opens (creating) the file at `path`. */
  constructor(path: string) {
    super(path, { schema: SCHEMA, label: "mqtt outbox" });
  }

  /** The write-through of one config's outbox. */
  persistence(config: string): OutboxPersistence {
    return {
      load: () => this.#load(config),
      add: (seq, msg) =>
        this.later(() =>
          this.stmt(
            "INSERT OR REPLACE INTO outbox (config, seq, topic, payload, qos, retain, queued_at) " +
              "VALUES (?,?,?,?,?,?,?)",
          ).run(config, seq, msg.topic, msg.payload, msg.qos, msg.retain ? 1 : 0, msg.queuedAt)
        ),
      remove: (seq) =>
        this.later(() =>
          this.stmt("DELETE FROM outbox WHERE config = ? AND seq = ?").run(config, seq)
        ),
      counters: (sent, dropped) =>
        this.later(() =>
          this.stmt(
            "INSERT OR REPLACE INTO outbox_counters (config, sent, dropped) VALUES (?,?,?)",
          ).run(config, sent, dropped)
        ),
    };
  }

  /** Forgets a config's messages and counters (the config was deleted). */
  clear(config: string): void {
    this.later(() => {
      this.stmt("DELETE FROM outbox WHERE config = ?").run(config);
      this.stmt("DELETE FROM outbox_counters WHERE config = ?").run(config);
    });
  }

  /** Forgets every config not in `names` (deleted while the server was down). */
  keepOnly(names: readonly string[]): void {
    const keep = new Set(names);
    const stored = this.db.prepare(
      "SELECT DISTINCT config FROM outbox UNION " +
        "SELECT config FROM outbox_counters",
    ).all() as { config: string }[];
    for (const { config } of stored) if (!keep.has(config)) this.clear(config);
  }

  #load(config: string): ReturnType<OutboxPersistence["load"]> {
    this.flush();
    const rows = this.db.prepare(
      "SELECT seq, topic, payload, qos, retain, queued_at FROM outbox WHERE config = ? ORDER BY seq",
    ).all(config) as unknown as Row[];
    const counters = this.db.prepare(
      "SELECT sent, dropped FROM outbox_counters WHERE config = ?",
    ).get(config) as { sent: number; dropped: number } | undefined;
    return {
      messages: rows.map((r) => ({
        seq: Number(r.seq),
        msg: {
          topic: r.topic,
          payload: r.payload,
          qos: Number(r.qos) as OutboxMessage["qos"],
          retain: Number(r.retain) === 1,
          queuedAt: Number(r.queued_at),
        } satisfies OutboxMessage,
      })),
      sent: Number(counters?.sent ?? 0),
      dropped: Number(counters?.dropped ?? 0),
    };
  }
}
