import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { BatchedSqlite } from "./batched_sqlite.ts";

class Log extends BatchedSqlite {
  constructor(path: string) {
    super(path, { schema: "CREATE TABLE IF NOT EXISTS t (v INTEGER)", label: "test log" });
  }
  add(v: number): void {
    this.later(() => this.stmt("INSERT INTO t (v) VALUES (?)").run(v));
  }
}

function rows(path: string): number[] {
  const db = new DatabaseSync(path);
  try {
    return (db.prepare("SELECT v FROM t ORDER BY v").all() as { v: number }[]).map((r) => r.v);
  } finally {
    db.close();
  }
}

Deno.test("batched SQLite: a turn's writes land together at its end; close writes what is pending", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/t.db`;
  try {
    const log = new Log(path);
    log.add(1);
    log.add(2);
    assert.deepEqual(rows(path), [], "nothing written during the turn");
    await Promise.resolve();
    assert.deepEqual(rows(path), [1, 2]);
    log.add(3);
    log.close();
    log.add(4); // after close: dropped, not thrown
    assert.deepEqual(rows(path), [1, 2, 3]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
