/**
 * The Web Workers of a pool and their lives: spawn, ready, heartbeats, death and replacement, and
 * how many run. The pool starts with `min` workers and adds one (up to `count`) while the ready
 * ones were busy nearly all of the last seconds and work waited at every one of those heartbeats
 * (a backlog) or has used half of its deadline waiting; one worker that keeps up with a job's
 * interval, however busy, is enough. A worker beyond `min` whose
 * share of the work the others could carry is retired, and a worker idle for `unloadAfterMs` is
 * replaced by a fresh one, so what it loaded (opencv.js, ONNX sessions, tesseract) is freed. A
 * worker that throws uncaught (`onerror`, handled with `preventDefault()` so the parent
 * survives), exits or closes itself (worker.ts says so first), fails to start or misses heartbeats
 * is terminated and replaced; the pool learns which task it was running through `onDeath`.
 */
import type { FromWorker, InitRequest, ToWorker } from "./protocol.ts";
import type { PageTask, Slot, Task, Timer } from "./pool_tasks.ts";

/** Heartbeats of load history kept: the shrink decision looks at all of them. */
const LOAD_WINDOW = 30;
/** Heartbeats the grow decision looks at. */
const GROW_BEATS = 3;
/** Grow when the ready workers were busy at least this share of the last GROW_BEATS beats. */
const GROW_BUSY = 0.9;
/** Grow at once when some waiting task has used this share of its deadline in the queue. */
const GROW_WAIT_SHARE = 0.5;
/** Shrink when one worker fewer would have been busy at most this share of the window. */
const SHRINK_BUSY = 0.6;

/** A worker's answer about work (the lifecycle messages stay here). */
export type WorkMessage = Extract<FromWorker, { type: "result" | "crop" | "pages" }>;

/** Construction options (the pool fills them from its own). */
export interface WorkerSlotsOptions {
  /** Most workers running. */
  count: number;
  /** Fewest workers running (default `count`: a fixed size). */
  min?: number;
  /** A worker that ran nothing this long is replaced by a fresh one, freeing what it loaded, ms. */
  unloadAfterMs?: number;
  /**
   * How long the longest-waiting queued task has waited, as a share of its deadline (0 when none
   * waits): growing needs a backlog or work close to missing its deadline.
   */
  waitShare?(): number;
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
  /** Busy worker-ms per heartbeat, newest last (at most {@linkcode LOAD_WINDOW} beats). */
  readonly #busyPerBeat: number[] = [];
  #lastBeat = performance.now();
  /** Consecutive heartbeats that found work waiting. */
  #backlogBeats = 0;
  #lastScale = performance.now();
  #startFailures = 0;
  #closed = false;
  /** Workers replaced so far. */
  restarts = 0;

  /** Starts `count` workers at once. */
  constructor(opts: WorkerSlotsOptions) {
    this.#o = opts;
    for (let i = 0; i < this.#min(); i++) this.#spawn();
    this.#heartbeat = setInterval(() => this.#beat(), opts.heartbeatMs);
  }

  /** Resolves once every worker reported ready (or the slots closed). */
  ready(): Promise<void> {
    if (this.#closed || this.readyCount() >= this.#min()) return Promise.resolve();
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

  /** Sends unless the worker is retired; a task message marks it busy. */
  post(slot: Slot, msg: ToWorker): void {
    if (slot.dead) return;
    if (msg.type === "read" || msg.type === "crop" || msg.type === "detect_pages") {
      slot.busyFrom ??= performance.now();
      slot.used = true;
    }
    slot.worker.postMessage(msg);
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

  #min(): number {
    return Math.max(1, Math.min(this.#o.count, this.#o.min ?? this.#o.count));
  }

  /** Adds the time since it became busy (or since the last beat) to the current beat. */
  #idleNow(slot: Slot, now: number): void {
    if (slot.busyFrom === undefined) return;
    slot.busyMs = (slot.busyMs ?? 0) + now - Math.max(slot.busyFrom, this.#lastBeat);
    slot.busyFrom = undefined;
    slot.lastWorkAt = now;
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
      lastWorkAt: now,
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
        if (this.readyCount() >= this.#min()) {
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
      case "loading":
        slot.loadingSince = msg.busy ? performance.now() : undefined;
        if (!msg.busy) slot.loadedAt = performance.now();
        return;
      default:
        this.#idleNow(slot, performance.now());
        this.#o.onWork(slot, msg);
    }
  }

  #beat(): void {
    const now = performance.now();
    this.#measureLoad(now);
    this.#scale(now);
    for (const slot of this.all()) {
      if (!slot.ready) {
        if (now - slot.spawnedAt > this.#o.startTimeoutMs) {
          this.recycle(slot, `not ready ${this.#o.startTimeoutMs} ms after start`);
        }
      } else if (slot.loadingSince !== undefined) {
        // Loading (opencv.js, an engine) may block its thread: the start timeout applies.
        if (now - slot.loadingSince > this.#o.startTimeoutMs) {
          this.recycle(slot, `still loading ${this.#o.startTimeoutMs} ms after it began`);
        }
      } else if (now - slot.lastSeen > this.#o.heartbeatTimeoutMs) {
        const silent = Math.round(now - slot.lastSeen);
        this.recycle(slot, `no heartbeat for ${silent} ms (exited or stuck)`);
      } else {
        this.post(slot, { type: "ping", seq: ++this.#pings });
      }
    }
  }

  /** Records the busy worker-ms of the beat that just ended. */
  #measureLoad(now: number): void {
    let busy = 0;
    for (const slot of this.all()) {
      busy += slot.busyMs ?? 0;
      slot.busyMs = 0;
      if (slot.busyFrom !== undefined) busy += now - Math.max(slot.busyFrom, this.#lastBeat);
    }
    this.#lastBeat = now;
    this.#backlogBeats = (this.#o.waitShare?.() ?? 0) > 0 ? this.#backlogBeats + 1 : 0;
    this.#busyPerBeat.push(busy);
    if (this.#busyPerBeat.length > LOAD_WINDOW) this.#busyPerBeat.shift();
  }

  /** Grows while every worker is busy and work waits; shrinks when fewer would do; unloads idlers. */
  #scale(now: number): void {
    const alive = this.all();
    const ready = alive.filter((s) => s.ready);
    const beat = this.#o.heartbeatMs;
    const recent = this.#busyPerBeat.slice(-GROW_BEATS);
    const recentBusy = recent.reduce((a, b) => a + b, 0);
    // Loading opencv.js or an engine keeps a worker busy for a while; that is no reason to grow.
    const starting = alive.some((s) =>
      !s.ready || s.loadingSince !== undefined ||
      now - (s.loadedAt ?? -Infinity) < GROW_BEATS * beat
    );
    if (
      alive.length < this.#o.count && !starting && recent.length === GROW_BEATS &&
      recentBusy >= GROW_BUSY * GROW_BEATS * beat * ready.length &&
      (this.#backlogBeats >= GROW_BEATS || (this.#o.waitShare?.() ?? 0) >= GROW_WAIT_SHARE)
    ) {
      this.#lastScale = now;
      this.#spawn();
      return;
    }
    const idle = ready.filter((s) => !s.task && !s.pageTask && s.busyFrom === undefined);
    const windowBusy = this.#busyPerBeat.reduce((a, b) => a + b, 0);
    const windowMs = this.#busyPerBeat.length * beat;
    if (
      alive.length > this.#min() && idle.length && this.#busyPerBeat.length === LOAD_WINDOW &&
      now - this.#lastScale >= LOAD_WINDOW * beat &&
      windowBusy <= SHRINK_BUSY * windowMs * (alive.length - 1)
    ) {
      this.#lastScale = now;
      this.#retire(idle.reduce((a, b) => (a.id > b.id ? a : b)));
      return;
    }
    const unloadAfter = this.#o.unloadAfterMs;
    if (unloadAfter === undefined) return;
    for (const slot of idle) {
      if (slot.used && now - (slot.lastWorkAt ?? slot.spawnedAt) > unloadAfter) {
        // Not a death: no log, no restart counted; the fresh worker loads on its next task.
        this.#retire(slot);
        if (this.all().length < this.#min()) this.#spawn();
      }
    }
  }

  #retire(slot: Slot): void {
    this.#idleNow(slot, performance.now());
    slot.dead = true;
    slot.task = undefined;
    slot.pageTask = undefined;
    clearTimeout(slot.overrunTimer);
    this.#slots.delete(slot);
    slot.worker.terminate();
  }
}
