/**
 * Batch tasks across nodes (`--nats`). Uploads go to the Object Store `visionroi_uploads`; each
 * task's history is a subject of `VISIONROI_BATCH` (see batch_events.ts) and every node mirrors all
 * histories into its own SQLite database in stream order, so any node answers status, list, stats
 * and results (CSV) of every task, and a completed task's rows are all there before it shows
 * `completed`. Tasks to run are messages on the work-queue stream `VISIONROI_BATCH_QUEUE`: a node
 * with a free slot (`--batch-workers`) takes the next one, keeps it with in-progress acks every 2 s,
 * appends each frame range it read (10 frames or 1 s) with the last sequence it saw as a
 * condition, and acknowledges the message at the end. When the node dies the message comes back
 * after 6 s to another node, which continues after the last appended frame range: frames read but
 * not yet appended are read again, none is stored twice, none is lost.
 */
import { dirname, join } from "node:path";
import type { NatsConnection } from "@nats-io/transport-node";
import {
  AckPolicy,
  jetstream,
  type JetStreamClient,
  type JetStreamManager,
  jetstreamManager,
  type JsMsg,
  RetentionPolicy,
} from "@nats-io/jetstream";
import { type ObjectStore, Objm } from "@nats-io/obj";
import { retryTransient } from "../state/kv_backend.ts";
import { BatchJobActor, type BatchJobStore } from "../batch/batch_job_actor.ts";
import type { FrameReader } from "../jobs/inference_job_actor.ts";
import { FatalError } from "../runtime/mod.ts";
import { UPLOAD_TEMP_PREFIX } from "../batch/batch_system.ts";
import type { BatchDb, BatchRow, BatchTask, NewBatchTask } from "../../storage/batch_db.ts";
import {
  BATCH_STREAM,
  type BatchEvent,
  type BatchProgress,
  type FrameRows,
  isSequenceConflict,
  isTerminal,
  progressAfter,
  QUEUE_CONSUMER,
  QUEUE_STREAM,
  QUEUE_SUBJECT,
  taskSubject,
  UPLOADS_BUCKET,
} from "./batch_events.ts";

/** Seconds a taken task stays with a silent node before the queue hands it to another. */
export const BATCH_ACK_WAIT_MS = 6_000;
/** In-progress acks while a task runs. */
export const BATCH_WORKING_MS = 2_000;
/** A frame range is appended after this many frames… */
export const FRAMES_PER_RANGE = 10;
/** …or this long after its first frame, whichever comes first. */
export const RANGE_MS = 1_000;
/** …or once its rows reach this size (a NATS message holds 1 MB by default). */
const RANGE_BYTES = 256 * 1024;
/** Crashes of one task (across nodes) before it is marked failed. */
const MAX_ATTEMPTS = 3;

/** What the cluster batch is built with. */
export interface BatchClusterOptions {
  nc: NatsConnection;
  nodeId: string;
  /** Copies of each stream (as the KV buckets). */
  replicas: number;
  /** This node's mirror of every task (the local database). */
  db: BatchDb;
  reader: FrameReader;
  /** Local folder of upload folders (a cache: footage comes from the Object Store). */
  uploadsDir: string;
  /** Tasks this node runs at once. */
  concurrency: number;
}

/** The answer of a cancel, as `BatchSystem.cancel` gives it. */
export interface ClusterCancelAnswer {
  task: BatchTask;
  changed: boolean;
}

/** One node's part of the cluster batch: mirror, uploads, queue worker. */
export class BatchCluster {
  readonly nodeId: string;
  #o: BatchClusterOptions;
  #js: JetStreamClient;
  #jsm: JetStreamManager;
  #uploads: ObjectStore;
  #applied = 0;
  #waiters: { seq: number; resolve: () => void }[] = [];
  #running = new Map<string, TaskRun>();
  /** task id → node that claimed it last (as the mirror saw it). */
  #nodes = new Map<string, string>();
  #stopped = false;
  #stopping: Promise<void> | undefined;
  #stopMirror: (() => void) | undefined;
  #loop: Promise<void> | undefined;
  #slotFreed: (() => void) | undefined;

  private constructor(
    o: BatchClusterOptions,
    js: JetStreamClient,
    jsm: JetStreamManager,
    os: ObjectStore,
  ) {
    this.#o = o;
    this.nodeId = o.nodeId;
    this.#js = js;
    this.#jsm = jsm;
    this.#uploads = os;
  }

  /** Creates (or opens) the streams, the consumer and the bucket; the mirror catches up first. */
  static async start(o: BatchClusterOptions): Promise<BatchCluster> {
    const jsm = await jetstreamManager(o.nc);
    const js = jetstream(o.nc);
    const replicas = o.replicas;
    await ensureStream(jsm, {
      name: BATCH_STREAM,
      subjects: [taskSubject("*")],
      num_replicas: replicas,
      duplicate_window: 120_000_000_000,
    });
    await ensureStream(jsm, {
      name: QUEUE_STREAM,
      subjects: [QUEUE_SUBJECT],
      retention: RetentionPolicy.Workqueue,
      num_replicas: replicas,
      duplicate_window: 120_000_000_000,
    });
    await retryTransient(() =>
      jsm.consumers.add(QUEUE_STREAM, {
        durable_name: QUEUE_CONSUMER,
        ack_policy: AckPolicy.Explicit,
        ack_wait: BATCH_ACK_WAIT_MS * 1_000_000,
        max_deliver: -1,
      })
    );
    const os = await retryTransient(() => new Objm(js).create(UPLOADS_BUCKET, { replicas }));
    const self = new BatchCluster(o, js, jsm, os);
    await self.#startMirror();
    return self;
  }

  /** Starts taking tasks from the queue (after the local start-up sweep of the uploads folder). */
  run(): void {
    this.#loop ??= this.#work();
  }

  /** Node that claimed a task last ("" when none yet). */
  nodeOf(id: string): string {
    return this.#nodes.get(id) ?? "";
  }

  /** Stores the footage of a task accepted here and queues it; the local row exists already. */
  async submit(task: NewBatchTask): Promise<void> {
    for (const file of JSON.parse(task.files) as string[]) {
      const f = await Deno.open(join(task.dir, file));
      try {
        await this.#uploads.put({ name: `${task.id}/${file}` }, f.readable);
      } catch (err) {
        f.close();
        throw err;
      }
    }
    const ev: BatchEvent = { type: "task", task, node: this.nodeId };
    const ack = await this.#append(task.id, ev, { msgID: `${task.id}:task` });
    await retryTransient(() =>
      this.#js.publish(QUEUE_SUBJECT, JSON.stringify({ task_id: task.id }), {
        msgID: `${task.id}:queue`,
      })
    );
    await this.#caughtUp(ack);
  }

  /** Cancels a pending or processing task (whichever node runs it stops at its next range). */
  async cancel(id: string): Promise<ClusterCancelAnswer | undefined> {
    const task = this.#o.db.task(id);
    if (!task) return undefined;
    if (task.status !== "pending" && task.status !== "processing") return { task, changed: false };
    const seq = await this.#append(id, {
      type: "end",
      node: this.nodeId,
      status: "cancelled",
      at: Date.now() / 1000,
    });
    await this.#caughtUp(seq);
    const after = this.#o.db.task(id) ?? task;
    return { task: after, changed: after.status === "cancelled" };
  }

  /** Deletes a task everywhere: its history ends with `deleted`, its footage goes. */
  async delete(id: string): Promise<boolean> {
    const task = this.#o.db.task(id);
    if (!task) return false;
    const seq = await this.#append(id, { type: "deleted", node: this.nodeId });
    await this.#caughtUp(seq);
    // Only the marker stays, so a node that was away learns of the delete.
    await retryTransient(() =>
      this.#jsm.streams.purge(BATCH_STREAM, { filter: taskSubject(id), keep: 1 })
    );
    for (const file of JSON.parse(task.files) as string[]) {
      await retryTransient(() => this.#uploads.delete(`${id}/${file}`)).catch((err) => {
        if (!/not found/i.test((err as Error).message)) throw err;
      });
    }
    return true;
  }

  /** Stops taking work; running tasks append what they read and go back to the queue at once. */
  stop(): Promise<void> {
    return this.#stopping ??= this.#stop();
  }

  async #stop(): Promise<void> {
    this.#stopped = true;
    this.#slotFreed?.();
    const runs = [...this.#running.values()];
    await Promise.all(runs.map((r) => r.handBack()));
    await Promise.all(runs.map((r) => r.done));
    await this.#loop?.catch(() => undefined);
    this.#stopMirror?.();
  }

  // ---- mirror -------------------------------------------------------------------------------

  async #startMirror(): Promise<void> {
    const info = await retryTransient(() => this.#jsm.streams.info(BATCH_STREAM));
    const until = info.state.last_seq;
    const consumer = await retryTransient(() => this.#js.consumers.get(BATCH_STREAM));
    const messages = await consumer.consume();
    this.#stopMirror = () => void messages.close();
    let caughtUp!: () => void;
    const ready = new Promise<void>((r) => (caughtUp = r));
    (async () => {
      for await (const m of messages) {
        try {
          this.#apply(m.subject.slice(taskSubject("").length), m.json<BatchEvent>());
        } catch (err) {
          console.error(`batch mirror: seq ${m.seq}: ${(err as Error).message}`);
        }
        this.#applied = m.seq;
        this.#waiters = this.#waiters.filter((w) => (w.seq <= m.seq ? (w.resolve(), false) : true));
        if (m.seq >= until || m.info.pending === 0) caughtUp();
      }
    })();
    if (until > 0) await ready;
  }

  /** Resolves once the mirror applied the stream up to `seq`. */
  #caughtUp(seq: number): Promise<void> {
    if (this.#applied >= seq) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ seq, resolve }));
  }

  #apply(id: string, ev: BatchEvent): void {
    const db = this.#o.db;
    const task = db.task(id);
    switch (ev.type) {
      case "task":
        if (!task) db.insertTask({ ...ev.task, dir: join(this.#o.uploadsDir, id) });
        return;
      case "start":
        this.#nodes.set(id, ev.node);
        if (task && (task.status === "pending" || task.status === "processing")) {
          db.updateTask(id, {
            status: "processing",
            started_at: task.started_at ?? ev.at,
            error: null,
          });
        }
        return;
      case "frames":
        if (!task) return;
        for (const f of ev.frames) {
          if (f.index <= (db.task(id)?.last_frame ?? Infinity)) continue; // applied before a restart
          db.storeFrame(id, f.index, f.rows, f.busy_ms);
        }
        return;
      case "end":
        if (!task || (task.status !== "pending" && task.status !== "processing")) return;
        db.updateTask(id, {
          status: ev.status,
          finished_at: ev.at,
          ...(ev.frames_expected !== undefined ? { frames_expected: ev.frames_expected } : {}),
          ...(ev.warning !== undefined ? { warning: ev.warning } : {}),
          ...(ev.error !== undefined ? { error: ev.error } : {}),
        });
        this.#running.get(id)?.abandon();
        return;
      case "released":
        return;
      case "deleted":
        this.#running.get(id)?.abandon();
        this.#nodes.delete(id);
        if (task) {
          db.deleteTask(id);
          void Deno.remove(task.dir, { recursive: true }).catch(() => undefined);
        }
        return;
    }
  }

  // ---- appends ------------------------------------------------------------------------------

  /** Appends an event; with `after`, only if the subject's last message is still that one. */
  async #append(
    id: string,
    ev: BatchEvent,
    opts: { after?: number; msgID?: string } = {},
  ): Promise<number> {
    const ack = await retryTransient(() =>
      this.#js.publish(taskSubject(id), JSON.stringify(ev), {
        msgID: opts.msgID,
        ...(opts.after !== undefined ? { expect: { lastSubjectSequence: opts.after } } : {}),
      })
    );
    return ack.seq;
  }

  /** The last event of a task and its sequence (undefined when the subject is empty). */
  async #last(id: string): Promise<{ seq: number; ev: BatchEvent } | undefined> {
    const m = await retryTransient(() =>
      this.#jsm.streams.getMessage(BATCH_STREAM, { last_by_subj: taskSubject(id) })
    ).catch((err) => {
      if (/no message found/i.test((err as Error).message)) return null;
      throw err;
    });
    return m ? { seq: m.seq, ev: m.json<BatchEvent>() } : undefined;
  }

  // ---- worker -------------------------------------------------------------------------------

  async #work(): Promise<void> {
    const consumer = await retryTransient(() =>
      this.#js.consumers.get(QUEUE_STREAM, QUEUE_CONSUMER)
    );
    while (!this.#stopped) {
      if (this.#running.size >= this.#o.concurrency) {
        await new Promise<void>((r) => (this.#slotFreed = r));
        continue;
      }
      let m: JsMsg | null;
      try {
        m = await consumer.next({ expires: 2_000 });
      } catch (err) {
        if (!this.#stopped) console.error(`batch queue: ${(err as Error).message}`);
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      if (!m) continue;
      if (this.#stopped) {
        m.nak();
        break;
      }
      const { task_id: id } = m.json<{ task_id: string }>();
      if (this.#running.has(id)) {
        m.nak(BATCH_ACK_WAIT_MS);
        continue;
      }
      const run = new TaskRun(this, id, m);
      this.#running.set(id, run);
      run.done = run.go().catch(async (err) => {
        const error = (err as Error).message;
        console.error(`batch ${id}: ${error}`);
        // Footage that is gone, or a task that broke every node it ran on, fails for good.
        if (err instanceof FatalError || m!.info.deliveryCount >= MAX_ATTEMPTS) {
          await this.#append(id, {
            type: "end",
            node: this.nodeId,
            status: "failed",
            at: Date.now() / 1000,
            error,
          })
            .then(() => m!.ack(), () => m!.nak(1_000));
        } else m!.nak(1_000);
      }).finally(() => {
        this.#running.delete(id);
        this.#slotFreed?.();
      });
    }
  }

  /** @internal for TaskRun */
  get internals() {
    return {
      o: this.#o,
      uploads: this.#uploads,
      append: this.#append.bind(this),
      last: this.#last.bind(this),
      caughtUp: this.#caughtUp.bind(this),
      stopped: () => this.#stopped,
    };
  }
}

/** One task taken from the queue on this node. */
class TaskRun {
  #c: BatchCluster;
  #id: string;
  #m: JsMsg;
  #actor: BatchJobActor | undefined;
  #seq = 0;
  #progress!: BatchProgress;
  #pending: FrameRows[] = [];
  #pendingBytes = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #chain: Promise<void> = Promise.resolve();
  /** Another writer appended (a cancel, or a node that took the task over): stop, touch nothing. */
  #fenced = false;
  #handingBack = false;
  #end: Extract<BatchEvent, { type: "end" }> | undefined;
  /** Settles when this run has acked, naked or left its queue message. */
  done: Promise<void> = Promise.resolve();

  constructor(c: BatchCluster, id: string, m: JsMsg) {
    this.#c = c;
    this.#id = id;
    this.#m = m;
  }

  async go(): Promise<void> {
    const { o, last, append, caughtUp } = this.#c.internals;
    const head = await last(this.#id);
    if (!head || isTerminal(head.ev)) return this.#m.ack();
    await caughtUp(head.seq);
    const def = o.db.task(this.#id);
    if (!def) return this.#m.ack(); // deleted meanwhile
    this.#progress = progressAfter(head.ev);
    try {
      this.#seq = await append(this.#id, {
        type: "start",
        node: this.#c.nodeId,
        at: Date.now() / 1000,
        progress: this.#progress,
      }, { after: head.seq });
    } catch (err) {
      if (isSequenceConflict(err)) return; // someone else wrote: the message comes back later
      throw err;
    }
    const beat = setInterval(() => this.#m.working(), BATCH_WORKING_MS);
    try {
      await this.#fetchFootage(def);
      if (this.#fenced) return;
      if (this.#handingBack) return this.#m.nak();
      const actor = new BatchJobActor(
        { ...def, status: "processing", ...this.#progress },
        { db: this.#store(def), reader: o.reader },
      );
      this.#actor = actor;
      await actor.start();
      const exit = await actor.exited;
      if (this.#timer) clearTimeout(this.#timer);
      this.#flush();
      if (exit.reason !== "normal" && !this.#fenced && !this.#handingBack) {
        const error = exit.error?.message ?? "failed";
        const attempts = this.#m.info.deliveryCount;
        if (
          exit.reason === "fatal" || exit.error instanceof FatalError || attempts >= MAX_ATTEMPTS
        ) {
          this.#queueEnd({ status: "failed", error });
        } else {
          await this.#chain;
          if (!this.#fenced) this.#m.nak(1_000);
          return;
        }
      }
      await this.#chain;
    } finally {
      clearInterval(beat);
    }
    if (this.#handingBack) {
      // Says in the log where it stopped, and gives the message back for the next node at once.
      this.#then({ type: "released", node: this.#c.nodeId, progress: this.#progress });
      await this.#chain;
      if (!this.#fenced) this.#m.nak();
      return;
    }
    if (this.#end && !this.#fenced) return this.#m.ack();
    // Fenced: ack only when the task is over (a cancel or delete); otherwise its new owner holds it.
    const now = await last(this.#id);
    if (!now || isTerminal(now.ev)) this.#m.ack();
  }

  /** A cancel or delete reached the mirror: stop reading (the next append would fail anyway). */
  abandon(): void {
    if (this.#end) return; // its own end, applied by the mirror
    this.#fenced = true;
    void this.#actor?.stop();
  }

  /** Graceful stop of this node: append what was read, hand the message back. */
  async handBack(): Promise<void> {
    this.#handingBack = true;
    await this.#actor?.stop();
  }

  /** Downloads the footage from the Object Store when this node has no copy. */
  async #fetchFootage(task: BatchTask): Promise<void> {
    const { uploads } = this.#c.internals;
    const files = JSON.parse(task.files) as string[];
    const have = await Promise.all(files.map((f) => exists(join(task.dir, f))));
    if (have.every(Boolean)) return;
    // A temp name the start-up sweep removes if this node dies while downloading.
    const tmp = join(dirname(task.dir), `${UPLOAD_TEMP_PREFIX}dl-${crypto.randomUUID()}`);
    try {
      for (const file of files) {
        const got = await retryTransient(() => uploads.get(`${task.id}/${file}`));
        if (!got) {
          throw new FatalError(
            `footage ${file} of task ${task.id} is missing from the Object Store`,
          );
        }
        const path = join(tmp, file);
        await Deno.mkdir(dirname(path), { recursive: true });
        const out = await Deno.open(path, { write: true, create: true, truncate: true });
        await got.data.pipeTo(out.writable);
        if (!(await got.error)) continue;
        throw new Error(`footage ${file}: ${(await got.error)!.message}`);
      }
      await Deno.remove(task.dir, { recursive: true }).catch(() => undefined);
      await Deno.rename(tmp, task.dir);
    } catch (err) {
      await Deno.remove(tmp, { recursive: true }).catch(() => undefined);
      throw err;
    }
  }

  /** What the actor writes to: frames are buffered and appended as ranges. */
  #store(def: BatchTask): BatchJobStore {
    return {
      task: () => ({ ...def, ...this.#progress }),
      updateTask: (_id, patch) => {
        const s = patch.status;
        if (s === "completed" || s === "cancelled" || s === "failed") {
          this.#flush();
          this.#queueEnd({
            status: s,
            frames_expected: patch.frames_expected,
            warning: patch.warning,
            error: patch.error,
          });
        }
      },
      storeFrame: (_id, index, rows, busyMs) => {
        if (this.#fenced) throw new Error(`task ${this.#id} moved on without this node`);
        if (index <= this.#progress.last_frame) {
          throw new RangeError(
            `task ${this.#id}: frame ${index} is not after the last stored frame`,
          );
        }
        const errors = rows.filter((r) => r.error !== null).length;
        this.#progress = {
          last_frame: index,
          frames_done: this.#progress.frames_done + 1,
          roi_reads: this.#progress.roi_reads + rows.length - errors,
          errors: this.#progress.errors + errors,
          busy_ms: this.#progress.busy_ms + busyMs,
        };
        this.#pending.push({ index, busy_ms: busyMs, rows });
        this.#pendingBytes += bytesOf(rows);
        if (this.#pending.length >= FRAMES_PER_RANGE || this.#pendingBytes >= RANGE_BYTES) {
          this.#flush();
        } else this.#timer ??= setTimeout(() => this.#flush(), RANGE_MS);
      },
    };
  }

  /** Appends the buffered frames as one range (in order, after any range before it). */
  #flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#pending.length === 0) return;
    const frames = this.#pending;
    const progress = this.#progress;
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#then({ type: "frames", node: this.#c.nodeId, frames, progress });
  }

  #queueEnd(
    e: {
      status: "completed" | "cancelled" | "failed";
      frames_expected?: number;
      warning?: string | null;
      error?: string | null;
    },
  ): void {
    this.#end = { type: "end", node: this.#c.nodeId, at: Date.now() / 1000, ...e };
    this.#then(this.#end);
  }

  #then(ev: BatchEvent): void {
    const { append } = this.#c.internals;
    this.#chain = this.#chain.then(async () => {
      if (this.#fenced) return;
      try {
        // The id makes a retried append (answer lost) a duplicate, never a second range.
        const msgID = `${this.#id}:${this.#c.nodeId}:${this.#m.info.deliveryCount}:${this.#seq}`;
        this.#seq = await append(this.#id, ev, { after: this.#seq, msgID });
        this.#m.working();
      } catch (err) {
        this.#fenced = true;
        if (isSequenceConflict(err)) {
          console.log(`batch ${this.#id}: the task moved on without this node; stopped here`);
        } else console.error(`batch ${this.#id}: append failed: ${(err as Error).message}`);
        void this.#actor?.stop();
      }
    });
  }
}

async function ensureStream(
  jsm: JetStreamManager,
  cfg: Parameters<JetStreamManager["streams"]["add"]>[0],
): Promise<void> {
  await retryTransient(async () => {
    try {
      await jsm.streams.add(cfg);
    } catch (err) {
      if (!/already in use|stream name already/i.test((err as Error).message)) throw err;
    }
  });
}

function bytesOf(rows: BatchRow[]): number {
  let n = 0;
  for (const r of rows) n += 200 + r.text.length + (r.error?.length ?? 0) + r.name.length;
  return n;
}

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}
