/**
 * The Web Workers of a pool and their lives: spawn, ready, heartbeats, death and replacement. A
 * worker that throws uncaught (`onerror`, handled with `preventDefault()` so the parent
 * survives), exits or closes itself (worker.ts says so first), fails to start or misses heartbeats
 * is terminated and replaced; the pool learns which task it was running through `onDeath`.
 */
import type { FromWorker, InitRequest, ToWorker } from "./protocol.ts";
import type { PageTask, Slot, Task, Timer } from "./pool_tasks.ts";

/** A worker's answer about work (the lifecycle messages stay here). */
export type WorkMessage = Extract<FromWorker, { type: "result" | "crop" | "pages" }>;

/** Construction options (the pool fills them from its own). */
export interface WorkerSlotsOptions {
  /** Workers kept running. */
  count: number;
  /** Ping period, ms. */
  heartbeatMs: number;
  /** A ready worker silent this long is replaced, ms. */
  heartbeatTimeoutMs: number;
  /** A worker not ready this long after spawn is replaced, ms. */
  startTimeoutMs: number;
  /** The init message of worker `id`. */
  init(id: number): InitRequest;
  /** A line per death or preload problem. */
  log(line: string): void;
  /** A worker answered about a task, or became ready (`msg` undefined): dispatch more. */
  onWork(slot: Slot, msg?: WorkMessage): void;
  /** A worker died running these (the slot is already retired). */
  onDeath(cause: string, task?: Task, pageTask?: PageTask): void;
}

/** The pool's workers. */
export class WorkerSlots {
  readonly #o: WorkerSlotsOptions;
  readonly #slots = new Set<Slot>();
  readonly #spawnTimers = new Set<Timer>();
  readonly #readyWaiters: (() => void)[] = [];
  readonly #heartbeat: ReturnType<typeof setInterval>;
  #seq = 0;
  #pings = 0;
  #startFailures = 0;
  #closed = false;
  /** Workers replaced so far. */
  restarts = 0;

  /** Starts `count` workers at once. */
  constructor(opts: WorkerSlotsOptions) {
    this.#o = opts;
    for (let i = 0; i < opts.count; i++) this.#spawn();
    this.#heartbeat = setInterval(() => this.#beat(), opts.heartbeatMs);
  }

  /** Resolves once every worker reported ready (or the slots closed). */
  ready(): Promise<void> {
    if (this.#closed || this.readyCount() >= this.#o.count) return Promise.resolve();
    return new Promise((resolve) => this.#readyWaiters.push(resolve));
  }

  /** Workers alive (starting or ready). */
  all(): Slot[] {
    return [...this.#slots];
  }

  /** Workers ready. */
  readyCount(): number {
    return this.all().filter((s) => s.ready).length;
  }

  /** A ready worker with nothing to do, if any. */
  idle(): Slot | undefined {
    return this.all().find((s) => s.ready && !s.task && !s.pageTask && !s.dead);
  }

  /** Sends unless the worker is retired. */
  post(slot: Slot, msg: ToWorker): void {
    if (!slot.dead) slot.worker.postMessage(msg);
  }

  /** Terminates a dead or hung worker, reports its work through `onDeath`, starts a replacement. */
  recycle(slot: Slot, cause: string): void {
    if (slot.dead || this.#closed) return;
    this.#o.log(`inference worker ${slot.id} replaced: ${cause}`);
    if (!slot.ready) this.#startFailures++;
    this.restarts++;
    const { task, pageTask } = slot;
    this.#retire(slot);
    this.#o.onDeath(cause, task, pageTask);
    const delay = this.#startFailures ? Math.min(5000, 100 * 2 ** this.#startFailures) : 0;
    const timer = setTimeout(() => {
      this.#spawnTimers.delete(timer);
      if (!this.#closed) this.#spawn();
    }, delay);
    this.#spawnTimers.add(timer);
  }

  /** Terminates every worker; no replacements. Returns what they were running. */
  close(): { tasks: Task[]; pageTasks: PageTask[] } {
    this.#closed = true;
    clearInterval(this.#heartbeat);
    for (const t of this.#spawnTimers) clearTimeout(t);
    const tasks: Task[] = [];
    const pageTasks: PageTask[] = [];
    for (const slot of this.all()) {
      if (slot.task) tasks.push(slot.task);
      if (slot.pageTask) pageTasks.push(slot.pageTask);
      this.#retire(slot);
    }
    for (const w of this.#readyWaiters.splice(0)) w();
    return { tasks, pageTasks };
  }

  #spawn(): void {
    const worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
    const now = performance.now();
    const slot: Slot = {
      id: ++this.#seq,
      worker,
      ready: false,
      dead: false,
      spawnedAt: now,
      lastSeen: now,
    };
    this.#slots.add(slot);
    worker.onmessage = (e: MessageEvent<FromWorker>) => this.#onMessage(slot, e.data);
    worker.onerror = (e: ErrorEvent) => {
      e.preventDefault(); // without it an uncaught error in the worker crashes this process
      this.recycle(slot, `uncaught error: ${e.message}`);
    };
    worker.onmessageerror = () => this.recycle(slot, "sent a message that could not be read");
    this.post(slot, this.#o.init(slot.id));
  }

  #onMessage(slot: Slot, msg: FromWorker): void {
    if (slot.dead) return;
    slot.lastSeen = performance.now();
    switch (msg.type) {
      case "ready":
        slot.ready = true;
        for (const p of msg.problems) this.#o.log(`inference worker ${slot.id}: preload ${p}`);
        this.#startFailures = 0;
        if (this.readyCount() >= this.#o.count) {
          for (const w of this.#readyWaiters.splice(0)) w();
        }
        this.#o.onWork(slot);
        return;
      case "init_failed":
        this.recycle(slot, `failed to start: ${msg.message}`);
        return;
      case "exiting":
        this.recycle(slot, `worker ended itself with ${msg.how}`);
        return;
      case "pong":
        return;
      default:
        this.#o.onWork(slot, msg);
    }
  }

  #beat(): void {
    const now = performance.now();
    for (const slot of this.all()) {
      if (!slot.ready) {
        if (now - slot.spawnedAt > this.#o.startTimeoutMs) {
          this.recycle(slot, `not ready ${this.#o.startTimeoutMs} ms after start`);
        }
      } else if (now - slot.lastSeen > this.#o.heartbeatTimeoutMs) {
        const silent = Math.round(now - slot.lastSeen);
        this.recycle(slot, `no heartbeat for ${silent} ms (exited or stuck)`);
      } else {
        this.post(slot, { type: "ping", seq: ++this.#pings });
      }
    }
  }

  #retire(slot: Slot): void {
    slot.dead = true;
    slot.task = undefined;
    slot.pageTask = undefined;
    clearTimeout(slot.overrunTimer);
    this.#slots.delete(slot);
    slot.worker.terminate();
  }
}
