/**
 * A pool of inference workers. Each frame's pixels go to a worker at most once (its
 * SharedArrayBuffer is posted, not copied); the ROI tasks of that frame then refer to it by id.
 * Live work is dispatched before batch work. Every task has a deadline; a failure of one ROI
 * (bad polygon, unknown module, engine error, deadline, worker death) is that ROI's `error`.
 *
 * Hang protection: heartbeats. A worker that throws uncaught (`onerror`, handled with
 * `preventDefault()` so the parent survives), exits (`Deno.exit` gives no event at all), misses
 * heartbeats, or keeps running a task `overrunMs` past its deadline is terminated and replaced,
 * and its in-flight ROI answers `worker died: <cause>`. Limitation (Deno 2.9.6, platform notes
 * §11): `terminate()` does not stop a thread stuck in a synchronous loop; such a thread keeps
 * spinning (one core) until the process exits. The pool stays correct (the zombie is detached and
 * replaced), but CPU is lost; built-in engines are async or bounded, and user modules that may
 * loop forever belong in a subprocess (or the service restarts under systemd/docker).
 */
import type { Frame } from "../actors/frame_sources/frame.ts";
import type { ModuleDescriptor } from "./module_types.ts";
import type { FromWorker, ToWorker } from "./protocol.ts";
import type {
  PoolStats,
  ReadFrameOptions,
  RoiResult,
  RoiTask,
  WorkerPoolOptions,
} from "./pool_types.ts";
import { type Quad, validateRoiPolygon } from "./roi_polygon.ts";
import { paramsError } from "./params_error.ts";
import { withDefaults } from "./pool_defaults.ts";
import { type FrameRef as SharedRef, FrameRefs } from "./frame_refs.ts";
import type { DetectPagesOptions, PageMatch, PageTemplate } from "./page_types.ts";

type Timer = ReturnType<typeof setTimeout>;
type FrameRef = SharedRef<Slot>;

/** How long a frame stays in the workers after page detection, for the ROI reads that follow. */
const PAGE_FRAME_LINGER_MS = 2000;

interface PageTask {
  id: number;
  ref: FrameRef;
  pages: PageTemplate[];
  options: Omit<DetectPagesOptions, "deadlineMs">;
  deadlineMs: number;
  settled: boolean;
  timer?: Timer;
  slot?: Slot;
  resolve(matches: PageMatch[]): void;
  reject(error: Error): void;
}

interface Task {
  id: number;
  roi: RoiTask;
  name: string;
  quad: Quad;
  descriptor: ModuleDescriptor;
  params: Record<string, unknown>;
  ref: FrameRef;
  priority: "live" | "batch";
  deadlineMs: number;
  wantCrop: boolean;
  startedAt: number;
  settled: boolean;
  timer?: Timer;
  slot?: Slot;
  resolve(result: RoiResult): void;
}

interface Slot {
  id: number;
  worker: Worker;
  ready: boolean;
  dead: boolean;
  spawnedAt: number;
  lastSeen: number;
  task?: Task;
  pageTask?: PageTask;
  overrunTimer?: Timer;
}

/** Web Workers that crop ROIs and run module engines; see the module comment for failure handling. */
export class WorkerPool {
  readonly #o: Required<WorkerPoolOptions>;
  readonly #slots = new Set<Slot>();
  readonly #live: Task[] = [];
  readonly #batch: Task[] = [];
  readonly #pages: PageTask[] = [];
  readonly #frames = new FrameRefs<Slot>((ref) => {
    for (const slot of ref.holders) this.#post(slot, { type: "release", frameId: ref.id });
  });
  readonly #spawnTimers = new Set<Timer>();
  readonly #readyWaiters: (() => void)[] = [];
  readonly #heartbeat: ReturnType<typeof setInterval>;
  #seq = 0;
  #workerSeq = 0;
  #startFailures = 0;
  #closed = false;
  #counts = { tasksDone: 0, failures: 0, restarts: 0, framePosts: 0 };

  /** Starts `workers` workers at once; tasks queue until one is ready. */
  constructor(options: WorkerPoolOptions) {
    this.#o = withDefaults(options);
    for (let i = 0; i < this.#o.workers; i++) this.#spawn();
    this.#heartbeat = setInterval(() => this.#beat(), this.#o.heartbeatMs);
  }

  /** Resolves once every worker has loaded opencv (and the preloads) and reported ready. */
  ready(): Promise<void> {
    if (this.#readyCount() >= this.#o.workers) return Promise.resolve();
    return new Promise((resolve) => this.#readyWaiters.push(resolve));
  }

  /** Reads every ROI of one frame; answers in the order of `rois`, one failure never fails the batch. */
  async readFrame(
    frame: Frame,
    rois: RoiTask[],
    opts: ReadFrameOptions = {},
  ): Promise<RoiResult[]> {
    const ref = this.#frames.acquire(frame, () => ++this.#seq);
    const startedAt = performance.now();
    const results = await Promise.all(rois.map((roi) => this.#submit(roi, ref, startedAt, opts)));
    this.#frames.unuse(ref);
    return results;
  }

  /**
   * Scores page templates against a frame on one worker (ORB + homography, see page_matcher.ts);
   * answers one match per page, in order. The frame is posted once and stays in the workers
   * briefly, so the ROI reads of the same frame that follow do not post it again.
   */
  detectPages(
    frame: Frame,
    pages: PageTemplate[],
    opts: DetectPagesOptions = {},
  ): Promise<PageMatch[]> {
    if (this.#closed) return Promise.reject(new Error("page detection: pool closed"));
    if (pages.length === 0) return Promise.resolve([]);
    const ref = this.#frames.acquire(frame, () => ++this.#seq);
    const { deadlineMs = 10_000, ...options } = opts;
    const answer = new Promise<PageMatch[]>((resolve, reject) => {
      const task: PageTask = {
        id: ++this.#seq,
        ref,
        pages,
        options,
        deadlineMs,
        settled: false,
        resolve,
        reject,
      };
      task.timer = setTimeout(() => this.#pagesDeadline(task), deadlineMs);
      this.#pages.push(task);
      this.#pump();
    });
    return answer.finally(() => this.#frames.unuse(ref, PAGE_FRAME_LINGER_MS));
  }

  /** Counters and gauges for status pages. */
  stats(): PoolStats {
    const alive = [...this.#slots];
    return {
      workers: alive.length,
      ready: this.#readyCount(),
      busy: alive.filter((s) => s.task || s.pageTask).length,
      queued: this.#live.length + this.#batch.length + this.#pages.length,
      queuedLive: this.#live.length,
      ...this.#counts,
    };
  }

  /** Terminates every worker; queued and running tasks answer `pool closed`. */
  close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#heartbeat);
    for (const t of this.#spawnTimers) clearTimeout(t);
    for (const task of [...this.#live, ...this.#batch]) this.#fail(task, "pool closed");
    for (const task of [...this.#pages]) this.#settlePages(task, new Error("pool closed"));
    for (const slot of [...this.#slots]) {
      if (slot.task) this.#fail(slot.task, "pool closed");
      if (slot.pageTask) this.#settlePages(slot.pageTask, new Error("pool closed"));
      this.#retire(slot);
    }
    this.#frames.clear();
    for (const w of this.#readyWaiters.splice(0)) w();
    return Promise.resolve();
  }

  #readyCount(): number {
    return [...this.#slots].filter((s) => s.ready).length;
  }

  #submit(
    roi: RoiTask,
    ref: FrameRef,
    startedAt: number,
    opts: ReadFrameOptions,
  ): Promise<RoiResult> {
    const id = String(roi.id);
    const name = roi.name ? String(roi.name) : id;
    const base = { id, name, module: String(roi.module ?? "") };
    const early = (error: string): Promise<RoiResult> => {
      this.#counts.tasksDone++;
      this.#counts.failures++;
      const duration = (performance.now() - startedAt) / 1000;
      return Promise.resolve({ ...base, text: "", duration, error });
    };
    if (this.#closed) return early(`ROI "${id}": pool closed`);
    const descriptor = this.#o.registry.get(base.module);
    if (!descriptor) return early(`ROI "${id}": unknown module "${base.module}"`);
    let quad: Quad;
    try {
      quad = validateRoiPolygon(id, roi.points, ref.frame);
    } catch (e) {
      return early((e as Error).message);
    }
    const parsed = descriptor.params.safeParse(roi.params ?? {});
    if (!parsed.success) return early(`ROI "${id}": ${paramsError(parsed.error)}`);
    return new Promise((resolve) => {
      const task: Task = {
        id: ++this.#seq,
        roi,
        name,
        quad,
        descriptor,
        params: parsed.data,
        ref,
        priority: opts.priority ?? "live",
        deadlineMs: opts.deadlineMs ?? 10_000,
        wantCrop: opts.returnCrops ?? false,
        startedAt,
        settled: false,
        resolve,
      };
      const left = task.deadlineMs - (performance.now() - startedAt);
      task.timer = setTimeout(() => this.#deadline(task), Math.max(0, left));
      (task.priority === "live" ? this.#live : this.#batch).push(task);
      this.#pump();
    });
  }

  #pump(): void {
    while (!this.#closed) {
      const slot = [...this.#slots].find((s) => s.ready && !s.task && !s.pageTask && !s.dead);
      if (!slot) return;
      // Page detection first: the live reads of its frame wait for its answer.
      const pages = this.#pages.shift();
      if (pages) {
        this.#dispatchPages(slot, pages);
        continue;
      }
      const task = this.#live.shift() ?? this.#batch.shift();
      if (!task) return;
      this.#dispatch(slot, task);
    }
  }

  /** Posts a frame's pixels to a worker unless it holds them already. */
  #postFrame(slot: Slot, ref: FrameRef): void {
    if (ref.holders.has(slot)) return;
    const { frame } = ref;
    this.#post(slot, {
      type: "frame",
      frameId: ref.id,
      width: frame.width,
      height: frame.height,
      buffer: frame.data.buffer,
      byteOffset: frame.data.byteOffset,
    });
    ref.holders.add(slot);
    this.#counts.framePosts++;
  }

  #dispatchPages(slot: Slot, task: PageTask): void {
    this.#postFrame(slot, task.ref);
    slot.pageTask = task;
    task.slot = slot;
    const { id: taskId, ref, pages, options } = task;
    this.#post(slot, { type: "detect_pages", taskId, frameId: ref.id, pages, options });
  }

  #pagesDeadline(task: PageTask): void {
    const slot = task.slot;
    this.#settlePages(task, new Error(`page detection: deadline of ${task.deadlineMs} ms passed`));
    if (slot && slot.pageTask === task) {
      slot.overrunTimer = setTimeout(() => {
        if (slot.pageTask !== task) return;
        this.#recycle(slot, `page detection still running ${this.#o.overrunMs} ms past deadline`);
      }, this.#o.overrunMs);
    }
  }

  #settlePages(task: PageTask, answer: PageMatch[] | Error): void {
    if (task.settled) return;
    task.settled = true;
    clearTimeout(task.timer);
    const i = this.#pages.indexOf(task);
    if (i >= 0) this.#pages.splice(i, 1);
    if (answer instanceof Error) task.reject(answer);
    else task.resolve(answer);
  }

  #dispatch(slot: Slot, task: Task): void {
    this.#postFrame(slot, task.ref);
    slot.task = task;
    task.slot = slot;
    this.#post(slot, {
      type: "read",
      taskId: task.id,
      frameId: task.ref.id,
      roiId: String(task.roi.id),
      module: task.descriptor.name,
      engineUrl: task.descriptor.engineUrl.href,
      quad: task.quad,
      params: task.params,
      surround: task.descriptor.surround ?? false,
      wantCrop: task.wantCrop,
    });
  }

  #deadline(task: Task): void {
    if (task.settled) return;
    const where = task.slot ? `while running on worker ${task.slot.id}` : "while queued";
    this.#fail(task, `deadline of ${task.deadlineMs} ms passed ${where}`);
    const slot = task.slot;
    if (slot && slot.task === task) {
      slot.overrunTimer = setTimeout(() => {
        if (slot.task !== task) return;
        const ms = task.deadlineMs + this.#o.overrunMs;
        this.#recycle(slot, `ROI "${task.roi.id}" still running ${ms} ms after it started`);
      }, this.#o.overrunMs);
    }
  }

  #fail(task: Task, cause: string): void {
    this.#settle(task, { text: "", error: `ROI "${task.roi.id}": ${cause}` });
  }

  #settle(task: Task, answer: Omit<RoiResult, "id" | "name" | "module" | "duration">): void {
    if (task.settled) return;
    task.settled = true;
    clearTimeout(task.timer);
    for (const q of [this.#live, this.#batch]) {
      const i = q.indexOf(task);
      if (i >= 0) q.splice(i, 1);
    }
    this.#counts.tasksDone++;
    if (answer.error !== undefined) this.#counts.failures++;
    task.resolve({
      id: String(task.roi.id),
      name: task.name,
      module: task.descriptor.name,
      ...answer,
      duration: (performance.now() - task.startedAt) / 1000,
    });
  }

  #spawn(): void {
    const worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
    const now = performance.now();
    const slot: Slot = {
      id: ++this.#workerSeq,
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
      this.#recycle(slot, `uncaught error: ${e.message}`);
    };
    worker.onmessageerror = () => this.#recycle(slot, "sent a message that could not be read");
    this.#post(slot, {
      type: "init",
      workerId: slot.id,
      onnxBackend: this.#o.onnxBackend,
      dataDir: this.#o.dataDir,
      env: this.#o.env,
      preload: this.#o.preload.flatMap((name) => {
        const d = this.#o.registry.get(name);
        return d ? [[name, d.engineUrl.href] as [string, string]] : [];
      }),
    });
  }

  #onMessage(slot: Slot, msg: FromWorker): void {
    if (slot.dead) return;
    slot.lastSeen = performance.now();
    switch (msg.type) {
      case "ready":
        slot.ready = true;
        for (const p of msg.problems) this.#o.log(`inference worker ${slot.id}: preload ${p}`);
        this.#startFailures = 0;
        if (this.#readyCount() >= this.#o.workers) {
          for (const w of this.#readyWaiters.splice(0)) w();
        }
        break;
      case "init_failed":
        this.#recycle(slot, `failed to start: ${msg.message}`);
        return;
      case "pong":
        return;
      case "pages": {
        const task = slot.pageTask;
        if (!task || task.id !== msg.taskId) return;
        slot.pageTask = undefined;
        clearTimeout(slot.overrunTimer);
        this.#settlePages(task, msg.matches ?? new Error(`page detection: ${msg.message}`));
        break;
      }
      case "result": {
        const task = slot.task;
        if (!task || task.id !== msg.taskId) return;
        slot.task = undefined;
        clearTimeout(slot.overrunTimer);
        if (msg.ok) {
          const { text, value, confidence, data } = msg.output;
          this.#settle(task, { text, value, confidence, data, crop: msg.crop });
        } else {
          this.#settle(task, { text: "", error: `ROI "${task.roi.id}": ${msg.message}` });
        }
        break;
      }
    }
    this.#pump();
  }

  #beat(): void {
    const now = performance.now();
    for (const slot of [...this.#slots]) {
      if (!slot.ready) {
        if (now - slot.spawnedAt > this.#o.startTimeoutMs) {
          this.#recycle(slot, `not ready ${this.#o.startTimeoutMs} ms after start`);
        }
      } else if (now - slot.lastSeen > this.#o.heartbeatTimeoutMs) {
        const silent = Math.round(now - slot.lastSeen);
        this.#recycle(slot, `no heartbeat for ${silent} ms (exited or stuck)`);
      } else {
        this.#post(slot, { type: "ping", seq: ++this.#seq });
      }
    }
  }

  /** Terminates a dead or hung worker, fails its in-flight ROI, and starts a replacement. */
  #recycle(slot: Slot, cause: string): void {
    if (slot.dead || this.#closed) return;
    this.#o.log(`inference worker ${slot.id} replaced: ${cause}`);
    if (!slot.ready) this.#startFailures++;
    this.#counts.restarts++;
    const task = slot.task;
    const pageTask = slot.pageTask;
    this.#retire(slot);
    if (task) this.#fail(task, `worker died: ${cause}`);
    if (pageTask) this.#settlePages(pageTask, new Error(`page detection: worker died: ${cause}`));
    const delay = this.#startFailures ? Math.min(5000, 100 * 2 ** this.#startFailures) : 0;
    const timer = setTimeout(() => {
      this.#spawnTimers.delete(timer);
      if (!this.#closed) this.#spawn();
    }, delay);
    this.#spawnTimers.add(timer);
  }

  #retire(slot: Slot): void {
    slot.dead = true;
    slot.task = undefined;
    slot.pageTask = undefined;
    clearTimeout(slot.overrunTimer);
    this.#slots.delete(slot);
    slot.worker.terminate();
  }

  #post(slot: Slot, msg: ToWorker): void {
    if (!slot.dead) slot.worker.postMessage(msg);
  }
}
