/**
 * A pool of inference workers. Each frame's pixels go to a worker at most once (its
 * SharedArrayBuffer is posted, not copied); the ROI tasks of that frame then refer to it by id.
 * Live work is dispatched before batch work. Every task has a deadline; a failure of one ROI
 * (bad polygon, unknown module, engine error, deadline, worker death) is that ROI's `error`.
 *
 * Built-in modules run in the Web Workers. A user module (from the data dir) runs in its own
 * process (module_process.ts): a worker cuts the crop, the process reads it, and a hang or a crash
 * there is killed for real and never holds a worker.
 *
 * A worker that dies or hangs is replaced (worker_slots.ts) and its in-flight ROI answers
 * `worker died: <cause>`; one that keeps running a task `overrunMs` past its deadline is replaced
 * too. Limitation (Deno 2.9.6, platform notes §11): `terminate()` does not stop a thread stuck in
 * a synchronous loop; built-in engines are async or bounded, and the code that may loop for ever
 * (user modules) runs in a process instead.
 */
import type { Frame } from "../actors/frame_sources/frame.ts";
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
import { FrameRefs } from "./frame_refs.ts";
import type { DetectPagesOptions, PageMatch, PageTemplate } from "./page_types.ts";
import type { FrameRef, PageTask, Slot, Task } from "./pool_tasks.ts";
import type { ModuleProcessStatus, ProcessAnswer } from "./module_process.ts";
import type { CropDone } from "./protocol.ts";
import { WorkerSlots, type WorkMessage } from "./worker_slots.ts";
import { UserModuleHosts, userModuleHosts, workerInit } from "./user_modules.ts";
import { limitOutput } from "./output_limits.ts";
import { capText } from "../storage/text_cap.ts";

/** How long a frame stays in the workers after page detection, for the ROI reads that follow. */
const PAGE_FRAME_LINGER_MS = 2000;

/** Most UTF-8 bytes of a ROI's `error` (an engine may throw with any message). */
const MAX_ERROR_BYTES = 2048;

/** Web Workers that crop ROIs and run module engines; see the module comment for failure handling. */
export class WorkerPool {
  readonly #o: Required<WorkerPoolOptions>;
  readonly #slots: WorkerSlots;
  readonly #live: Task[] = [];
  readonly #batch: Task[] = [];
  readonly #pages: PageTask[] = [];
  readonly #frames = new FrameRefs<Slot>((ref) => {
    for (const slot of ref.holders) this.#slots.post(slot, { type: "release", frameId: ref.id });
  });
  #seq = 0;
  #closed = false;
  #counts = { tasksDone: 0, failures: 0, framePosts: 0 };
  readonly #hosts?: UserModuleHosts;

  /** Starts `workers` workers at once; tasks queue until one is ready. */
  constructor(options: WorkerPoolOptions) {
    this.#o = withDefaults(options);
    this.#hosts = userModuleHosts(this.#o, { explicit: options.isolateUserModules !== undefined });
    const o = this.#o;
    this.#slots = new WorkerSlots({
      count: o.workers,
      min: o.minWorkers,
      unloadAfterMs: o.unloadAfterMs,
      waitShare: () => this.#waitShare(),
      heartbeatMs: o.heartbeatMs,
      heartbeatTimeoutMs: o.heartbeatTimeoutMs,
      startTimeoutMs: o.startTimeoutMs,
      log: o.log,
      init: (workerId) => workerInit(o, { workerId, isolating: this.#hosts !== undefined }),
      onWork: (slot, msg) => this.#onWork(slot, msg),
      onDeath: (cause, task, pageTask) => {
        if (task) this.#fail(task, `worker died: ${cause}`);
        if (pageTask) {
          this.#settlePages(pageTask, new Error(`page detection: worker died: ${cause}`));
        }
        this.#pump();
      },
    });
  }

  /** Resolves once the first `minWorkers` workers have started (and loaded the preloads). */
  ready(): Promise<void> {
    return this.#slots.ready();
  }

  /** Reads every ROI of one frame; answers in the order of `rois`, one failure never fails the batch. */
  async readFrame(
    frame: Frame,
    rois: RoiTask[],
    opts: ReadFrameOptions = {},
  ): Promise<RoiResult[]> {
    const ref = this.#frames.acquire(frame, () => ++this.#seq);
    const startedAt = performance.now();
    const onResult = opts.onResult;
    const results = await Promise.all(rois.map((roi, i) => {
      const answer = this.#submit(roi, ref, startedAt, opts);
      return onResult ? answer.then((r) => (onResult(r, i), r)) : answer;
    }));
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

  /** The longest wait of a queued ROI task as a share of its deadline. */
  #waitShare(): number {
    const now = performance.now();
    let share = 0;
    for (const q of [this.#live, this.#batch]) {
      const t = q[0];
      if (t) share = Math.max(share, (now - t.startedAt) / t.deadlineMs);
    }
    return share;
  }

  /** Counters and gauges for status pages. */
  stats(): PoolStats {
    const alive = this.#slots.all();
    return {
      workers: alive.length,
      ready: this.#slots.readyCount(),
      busy: alive.filter((s) => s.task || s.pageTask).length,
      queued: this.#live.length + this.#batch.length + this.#pages.length,
      queuedLive: this.#live.length,
      ...this.#counts,
      restarts: this.#slots.restarts,
    };
  }

  /** A user module's process state (disabled, with the reason, among them); undefined for built-ins. */
  moduleStatus(name: string): ModuleProcessStatus | undefined {
    const d = this.#o.registry.get(name);
    return d ? this.#hosts?.status(d) : undefined;
  }

  /** Terminates every worker and module process; queued and running tasks answer `pool closed`. */
  async close(): Promise<void> {
    this.#closed = true;
    const running = this.#slots.close();
    for (const task of [...this.#live, ...this.#batch, ...running.tasks]) {
      this.#fail(task, "pool closed");
    }
    for (const task of [...this.#pages, ...running.pageTasks]) {
      this.#settlePages(task, new Error("pool closed"));
    }
    this.#frames.clear();
    await this.#hosts?.close();
  }

  async #submit(
    roi: RoiTask,
    ref: FrameRef,
    startedAt: number,
    opts: ReadFrameOptions,
  ): Promise<RoiResult> {
    const id = String(roi.id);
    // The ROI's name as it is: "" when unset (VisionROI); callers pick their own label.
    const name = String(roi.name ?? "");
    const base = { id, name, module: String(roi.module ?? "") };
    const early = (error: string): RoiResult => {
      this.#counts.tasksDone++;
      this.#counts.failures++;
      const duration = (performance.now() - startedAt) / 1000;
      return { ...base, text: "", duration, error };
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
    const host = this.#hosts?.hostFor(descriptor);
    // Only user modules wait here: built-in reads queue in this same turn, in call order.
    const disabled = host ? await host.disabledReason() : undefined;
    if (disabled) return early(`ROI "${id}": ${disabled}`);
    if (this.#closed) return early(`ROI "${id}": pool closed`);
    return await new Promise((resolve) => {
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
        host,
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
      const slot = this.#slots.idle();
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
    this.#slots.post(slot, {
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
    this.#slots.post(slot, { type: "detect_pages", taskId, frameId: ref.id, pages, options });
  }

  #pagesDeadline(task: PageTask): void {
    const slot = task.slot;
    this.#settlePages(task, new Error(`page detection: deadline of ${task.deadlineMs} ms passed`));
    if (slot && slot.pageTask === task) {
      slot.overrunTimer = setTimeout(() => {
        if (slot.pageTask !== task) return;
        this.#slots.recycle(
          slot,
          `page detection still running ${this.#o.overrunMs} ms past deadline`,
        );
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
    if (task.host) {
      const surround = task.descriptor.surround ?? false;
      this.#slots.post(slot, {
        type: "crop",
        taskId: task.id,
        frameId: task.ref.id,
        quad: task.quad,
        surround,
      });
      return;
    }
    this.#slots.post(slot, {
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
    if (task.job && task.host) {
      const why = `ROI "${task.roi.id}" passed its deadline of ${task.deadlineMs} ms`;
      const was = task.host.cancel(task.job, why);
      const where = was === "killed"
        ? "while running in its module process (killed)"
        : "while queued for its module process";
      this.#fail(task, `deadline of ${task.deadlineMs} ms passed ${where}`);
      return;
    }
    const where = task.slot ? `while running on worker ${task.slot.id}` : "while queued";
    this.#fail(task, `deadline of ${task.deadlineMs} ms passed ${where}`);
    const slot = task.slot;
    if (slot && slot.task === task) {
      slot.overrunTimer = setTimeout(() => {
        if (slot.task !== task) return;
        const ms = task.deadlineMs + this.#o.overrunMs;
        this.#slots.recycle(slot, `ROI "${task.roi.id}" still running ${ms} ms after it started`);
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
    const module = String(task.roi.module ?? "");
    const result: RoiResult = {
      id: String(task.roi.id),
      name: task.name,
      module,
      ...(module !== task.descriptor.name ? { engine: task.descriptor.name } : {}),
      ...answer,
      duration: (performance.now() - task.startedAt) / 1000,
    };
    // An engine's error message is the module's text too: bounded the same way.
    if (answer.error !== undefined) result.error = capText(answer.error, MAX_ERROR_BYTES).text;
    else {
      // Again here, so no worker or process can hand the logs an unbounded answer.
      const { output, truncated } = limitOutput(answer);
      Object.assign(result, output);
      if (truncated || answer.truncated) result.truncated = true;
      else delete result.truncated;
    }
    task.resolve(result);
  }

  /** The crop of a user module's read is cut: hand it to the module's process. */
  #toProcess(task: Task, msg: CropDone): void {
    if (task.settled) return;
    if (!msg.crop || !task.host) {
      this.#fail(task, msg.message ?? "crop failed");
      return;
    }
    const crop = msg.crop;
    task.slot = undefined;
    task.job = {
      roiId: String(task.roi.id),
      params: task.params,
      crop,
      surround: msg.surround,
      surroundRect: msg.surroundRect,
      done: (answer: ProcessAnswer) => {
        if (!answer.ok) return this.#fail(task, answer.message);
        const extra = task.wantCrop ? { crop } : {};
        this.#settle(task, { ...answer.output, truncated: answer.truncated, ...extra });
      },
    };
    task.host.submit(task.job);
  }

  /** A worker answered (or became ready, `msg` undefined); then more work is dispatched. */
  #onWork(slot: Slot, msg?: WorkMessage): void {
    switch (msg?.type) {
      case "crop": {
        const task = slot.task;
        if (!task || task.id !== msg.taskId) return;
        slot.task = undefined;
        clearTimeout(slot.overrunTimer);
        this.#toProcess(task, msg);
        break;
      }
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
          this.#settle(task, {
            text,
            value,
            confidence,
            data,
            crop: msg.crop,
            truncated: msg.truncated,
          });
        } else {
          this.#settle(task, { text: "", error: `ROI "${task.roi.id}": ${msg.message}` });
        }
        break;
      }
    }
    this.#pump();
  }
}
