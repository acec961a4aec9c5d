/**
 * Batch tasks under one supervisor: a queue in SQLite with a concurrency limit, so live jobs keep
 * their share of the worker pool; tasks interrupted by a restart run again first and continue
 * after their last stored frame. Cancel, delete (files included) and counters.
 */
import { join } from "node:path";
import { BatchJobActor } from "./batch_job_actor.ts";
import type { FrameReader } from "../jobs/inference_job_actor.ts";
import { type ChildStatus, type Clock, Supervisor, systemClock } from "../runtime/mod.ts";
import type { BatchDb, BatchStats, BatchTask, NewBatchTask } from "../../storage/batch_db.ts";

/** Folder of uploads inside the data dir. */
export const UPLOADS_DIR = "uploads";

/** Prefix of an upload folder still being written; such folders are removed at start. */
export const UPLOAD_TEMP_PREFIX = ".tmp-";

/** What the batch system is built with. */
export interface BatchSystemOptions {
  db: BatchDb;
  reader: FrameReader;
  /** Absolute folder of uploads' parent (`<dataDir>/.visionroi`: uploads in `<it>/uploads/<task_id>/`). */
  dataDir: string;
  /** Tasks processed at once [1]. */
  concurrency?: number;
  clock?: Clock;
  /** Cluster mode (`--nats`): tasks run on any node; this node's database mirrors them all. */
  cluster?: BatchClusterHooks;
}

/** What cluster mode (actors/cluster/batch_cluster.ts) takes over from the local queue. */
export interface BatchClusterHooks {
  /** Stores the footage of a task already inserted here and puts it on the shared queue. */
  submit(task: NewBatchTask): Promise<void>;
  cancel(id: string): Promise<CancelAnswer | undefined>;
  delete(id: string): Promise<boolean>;
  stop(): Promise<void>;
  /** The node that took the task last ("" before any). */
  nodeOf(id: string): string;
}

/** The answer of a cancel: the task after it, and whether the cancel changed anything. */
export interface CancelAnswer {
  task: BatchTask;
  changed: boolean;
}

/** All batch tasks. */
export class BatchSystem {
  /** Supervises one `BatchJobActor` per running task (kind `transient`). */
  readonly supervisor: Supervisor<BatchJobActor>;
  /** The task database. */
  readonly db: BatchDb;
  /** Folder holding every task's upload folder. */
  readonly uploadsDir: string;
  #o: BatchSystemOptions;
  #clock: Clock;
  #running = new Set<string>();
  #stopped = false;

  /** Builds the system; call {@linkcode BatchSystem.start} to clean up and resume. */
  constructor(opts: BatchSystemOptions) {
    this.#o = opts;
    this.db = opts.db;
    this.#clock = opts.clock ?? systemClock;
    this.uploadsDir = join(opts.dataDir, UPLOADS_DIR);
    this.supervisor = new Supervisor({ clock: this.#clock });
    this.supervisor.onChange((s) => this.#onChildChange(s));
  }

  /** Removes partial and orphaned uploads, then starts queued and interrupted tasks. */
  async start(): Promise<void> {
    await Deno.mkdir(this.uploadsDir, { recursive: true });
    for await (const e of Deno.readDir(this.uploadsDir)) {
      const orphan = !e.name.startsWith(UPLOAD_TEMP_PREFIX) && !this.db.task(e.name);
      if (e.name.startsWith(UPLOAD_TEMP_PREFIX) || orphan) {
        await Deno.remove(join(this.uploadsDir, e.name), { recursive: true });
      }
    }
    this.#pump();
  }

  /** A new folder name for an upload being written (renamed to the task id once accepted). */
  tempDir(id: string): string {
    return join(this.uploadsDir, `${UPLOAD_TEMP_PREFIX}${id}`);
  }

  /** Tasks waiting in the queue. */
  queued(): number {
    return this.db.pendingCount();
  }

  /** Queues a task whose files were stored in `tempDir(task.id)`: the folder becomes `task.dir`. */
  async submit(task: NewBatchTask): Promise<BatchTask> {
    await Deno.rename(this.tempDir(task.id), task.dir);
    try {
      this.db.insertTask(task);
      await this.#o.cluster?.submit(task);
    } catch (err) {
      if (this.#o.cluster) this.db.deleteTask(task.id);
      await Deno.remove(task.dir, { recursive: true });
      throw err;
    }
    this.#pump();
    return this.db.task(task.id)!;
  }

  /** Cancels a pending or processing task; finished tasks stay as they are. */
  async cancel(id: string): Promise<CancelAnswer | undefined> {
    if (this.#o.cluster) return await this.#o.cluster.cancel(id);
    const task = this.db.task(id);
    if (!task) return undefined;
    if (task.status === "pending") {
      this.db.updateTask(id, { status: "cancelled", finished_at: this.#clock.now() / 1000 });
    } else if (task.status === "processing") {
      const actor = this.supervisor.instance(`batch:${id}`);
      if (actor) {
        await actor.send({ type: "cancel" });
        await actor.exited;
      } else {
        this.db.updateTask(id, { status: "cancelled", finished_at: this.#clock.now() / 1000 });
      }
      await this.supervisor.stopChild(`batch:${id}`);
    } else {
      return { task, changed: false };
    }
    return { task: this.db.task(id)!, changed: true };
  }

  /** Cancels if needed, then removes the task, its rows and its files. False when unknown. */
  async delete(id: string): Promise<boolean> {
    if (this.#o.cluster) return await this.#o.cluster.delete(id);
    const task = this.db.task(id);
    if (!task) return false;
    // Not runnable any more, so the queue does not start it again while it stops.
    if (task.status === "pending" || task.status === "processing") {
      this.db.updateTask(id, { status: "cancelled" });
    }
    await this.supervisor.stopChild(`batch:${id}`);
    this.#running.delete(id);
    this.db.deleteTask(id);
    await Deno.remove(task.dir, { recursive: true }).catch((err) => {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    });
    this.#pump();
    return true;
  }

  /** Cluster mode: the node that runs (or ran) a task; undefined on a single node. */
  nodeOf(id: string): string | undefined {
    return this.#o.cluster?.nodeOf(id);
  }

  /** Queue and speed counters. */
  stats(): BatchStats & { concurrency: number } {
    return { ...this.db.stats(), concurrency: this.#concurrency() };
  }

  /** Stops every running task without changing its status (it resumes at the next start). */
  async stopAll(): Promise<void> {
    this.#stopped = true;
    await this.#o.cluster?.stop();
    await this.supervisor.stopAll();
  }

  #concurrency(): number {
    return this.#o.concurrency ?? 1;
  }

  /** Starts runnable tasks until the concurrency limit is reached. */
  #pump(): void {
    if (this.#stopped || this.#o.cluster) return; // in cluster mode the queue stream decides
    for (const task of this.db.runnable()) {
      if (this.#running.size >= this.#concurrency()) return;
      if (this.#running.has(task.id)) continue;
      this.#running.add(task.id);
      void this.supervisor.startChild({
        id: `batch:${task.id}`,
        kind: "transient",
        create: () => {
          const fresh = this.db.task(task.id);
          if (!fresh) throw new Error(`batch task ${task.id} was deleted`);
          return new BatchJobActor(fresh, { db: this.db, reader: this.#o.reader });
        },
      });
    }
  }

  /** A child that ended for good frees its slot; one parked after failures marks its task failed. */
  #onChildChange(s: ChildStatus): void {
    if (s.state !== "stopped" && s.state !== "failed") return;
    const id = s.id.slice("batch:".length);
    if (s.state === "failed") {
      const task = this.db.task(id);
      if (task && task.status === "processing") {
        this.db.updateTask(id, {
          status: "failed",
          error: s.lastError ?? "failed",
          finished_at: this.#clock.now() / 1000,
        });
      }
    }
    if (this.#stopped) return;
    this.#running.delete(id);
    // A transient child that ended normally stays in the supervisor's table; forget it.
    if (s.state === "stopped" && this.supervisor.status(s.id)) {
      queueMicrotask(() => void this.supervisor.stopChild(s.id));
    }
    queueMicrotask(() => this.#pump());
  }
}
