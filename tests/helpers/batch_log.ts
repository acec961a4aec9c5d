/** Reads a cluster batch task's history from the `VISIONROI_BATCH` stream, for tests. */
import assert from "node:assert/strict";
import type { NatsConnection } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { BATCH_STREAM, type BatchEvent, taskSubject } from "../../actors/cluster/batch_events.ts";

/** Every event of task `id`, in stream order. */
export async function taskLog(nc: NatsConnection, id: string): Promise<BatchEvent[]> {
  const jsm = await jetstreamManager(nc);
  const events: BatchEvent[] = [];
  const info = await jsm.streams.info(BATCH_STREAM);
  for (let seq = 1; seq <= info.state.last_seq; seq++) {
    const m = await jsm.streams.getMessage(BATCH_STREAM, { seq }).catch(() => null);
    if (m?.subject === taskSubject(id)) events.push(m.json<BatchEvent>());
  }
  return events;
}

/**
 * Checks that the log's frame ranges follow each other without gap or overlap, each claim
 * continues from the progress before it, and every range after a claim comes from that node.
 */
export function assertContiguous(events: BatchEvent[]): void {
  let last = -1;
  let owner = "";
  for (const [i, e] of events.entries()) {
    if (e.type === "start") {
      assert.equal(e.progress.last_frame, last, `event ${i}: claim by ${e.node} continues`);
      owner = e.node;
    } else if (e.type === "released") {
      assert.equal(e.node, owner, `event ${i}: released by the node holding the task`);
      assert.equal(e.progress.last_frame, last, `event ${i}: released after its last range`);
      owner = "";
    } else if (e.type === "frames") {
      assert.equal(e.node, owner, `event ${i}: range from the node holding the task`);
      assert.equal(e.frames[0].index, last + 1, `event ${i}: range starts after the last`);
      for (const [j, f] of e.frames.entries()) assert.equal(f.index, last + 1 + j);
      last = e.frames.at(-1)!.index;
      assert.equal(e.progress.last_frame, last);
    }
  }
}
