/**
 * The parent side of a user module's own process: a `deno run` child of module_host.ts with
 * narrow permissions (read its folder; net only when declared; no write, run, env, ffi or sys),
 * fed one crop at a time over stdin and answering over stdout. Unlike a Web Worker, the child can
 * be killed for real: a read past its deadline or a missed heartbeat ends in SIGKILL.
 *
 * A child that exits, crashes or breaks the protocol fails its read at once with
 * `worker died: …`. Every death counts; `limit` deaths within `windowMs` disable the module (its
 * reads answer `module "x" disabled: …`) until a file in its folder changes.
 */
import type { ModuleDescriptor, ReadOutput, RgbaImage } from "./module_types.ts";
import type { FromModuleProcess, PixelsHeader, ProcessRead, ToModuleProcess } from "./protocol.ts";
import type { RoiRect } from "./roi_polygon.ts";
import { encodePacket, readPackets } from "./stdio_codec.ts";
import { eachLine, spawnModuleHost } from "./module_command.ts";
import {
  type DeathPolicy,
  DEFAULT_DEATH_POLICY,
  folderFingerprint,
  isDyingTooOften,
  recordDeath,
} from "./module_guard.ts";

/** Largest message a child may send; outputs are capped far below this (output_limits.ts). */
const MAX_ANSWER_BYTES = 1024 * 1024;

/** How often a disabled module's folder is looked at again, at most. */
const RECHECK_MS = 1000;

/** One crop to read in the module's process. */
export interface ProcessJob {
  /** The ROI's id, for messages. */
  roiId: string;
  /** Params already parsed by the module's schema. */
  params: Record<string, unknown>;
  /** The rectified crop. */
  crop: RgbaImage;
  /** The widened surroundings, for modules that read them. */
  surround?: RgbaImage;
  /** Where the crop sits inside `surround`. */
  surroundRect?: RoiRect;
  /** Called once with the answer, unless the job was cancelled first. */
  done(answer: ProcessAnswer): void;
}

/** A module process's answer: the output (within the limits) or why there is none. */
export type ProcessAnswer =
  | { ok: true; output: ReadOutput; truncated: boolean }
  | { ok: false; message: string };

/** What `GET /api/modules` shows of a user module's process. */
export interface ModuleProcessStatus {
  /** `idle` (no process yet), `starting`, `ready`, `busy`, or `disabled`. */
  state: "idle" | "starting" | "ready" | "busy" | "disabled";
  /** Process id while one runs. */
  pid?: number;
  /** Processes that died or were killed since start. */
  deaths: number;
  /** Why the module is disabled, when it is. */
  disabled_reason?: string;
}

/** Construction options; every field documents its default. */
export interface ModuleProcessOptions {
  /** A user module (its `userFolder` set by the registry). */
  descriptor: ModuleDescriptor;
  /** Absolute data dir handed to the engine. */
  dataDir: string;
  /** ONNX backend handed to the engine; default `auto`. */
  onnxBackend?: "auto" | "web" | "node";
  /** Environment variables the engine may read (in its context, not its process env); default none. */
  env?: Record<string, string>;
  /** Ping period; default 1000 ms. */
  heartbeatMs?: number;
  /** A process silent this long is killed; default 10000 ms. */
  heartbeatTimeoutMs?: number;
  /** A process not ready this long after spawn is killed; default 60000 ms. */
  startTimeoutMs?: number;
  /** Deaths that disable the module; default 3 in 60 s. */
  deathPolicy?: DeathPolicy;
  /** V8 heap limit of the process in MiB; default 1024. */
  maxHeapMb?: number;
  /** Clock for the death window; default `performance.now`. */
  now?: () => number;
  /** A line per death, kill or stderr line; default `console.warn`. */
  log?: (line: string) => void;
}

interface Child {
  process: Deno.ChildProcess;
  stdin: WritableStreamDefaultWriter<Uint8Array>;
  ready: boolean;
  killed?: string;
  spawnedAt: number;
  lastSeen: number;
  stderrTail: string[];
  /** The last `error: …` line Deno printed (an uncaught error), the best cause of a crash. */
  stderrError?: string;
}

/** One user module's process, started on first use and replaced after a death. */
export class ModuleProcess {
  readonly #o: Required<Omit<ModuleProcessOptions, "descriptor">> & { folder: string };
  readonly #d: ModuleDescriptor;
  readonly #queue: ProcessJob[] = [];
  #child?: Child;
  #running?: { job: ProcessJob; taskId: number };
  #heartbeat?: ReturnType<typeof setInterval>;
  #deaths: number[] = [];
  #deathCount = 0;
  #disabled?: { reason: string; fingerprint: Promise<string>; checkedAt: number };
  #taskSeq = 0;
  #closed = false;

  /** Nothing starts until the first job. */
  constructor(opts: ModuleProcessOptions) {
    const folder = opts.descriptor.userFolder;
    if (!folder) throw new TypeError(`module "${opts.descriptor.name}" is not a user module`);
    this.#d = opts.descriptor;
    this.#o = {
      folder,
      dataDir: opts.dataDir,
      onnxBackend: opts.onnxBackend ?? "auto",
      env: opts.env ?? {},
      heartbeatMs: opts.heartbeatMs ?? 1000,
      heartbeatTimeoutMs: opts.heartbeatTimeoutMs ?? 10_000,
      startTimeoutMs: opts.startTimeoutMs ?? 60_000,
      deathPolicy: opts.deathPolicy ?? DEFAULT_DEATH_POLICY,
      maxHeapMb: opts.maxHeapMb ?? 1024,
      now: opts.now ?? (() => performance.now()),
      log: opts.log ?? ((line) => console.warn(line)),
    };
  }

  /** State for status pages. */
  status(): ModuleProcessStatus {
    const base = { deaths: this.#deathCount };
    if (this.#disabled) {
      return { ...base, state: "disabled", disabled_reason: this.#disabled.reason };
    }
    const child = this.#child;
    if (!child) return { ...base, state: "idle" };
    const state = !child.ready ? "starting" : this.#running ? "busy" : "ready";
    return { ...base, state, pid: child.process.pid };
  }

  /**
   * Undefined when the module may run; otherwise why not. A disabled module whose files changed
   * since it was disabled is enabled again (its death count starts over).
   */
  async disabledReason(): Promise<string | undefined> {
    const off = this.#disabled;
    if (!off) return undefined;
    const now = this.#o.now();
    if (now - off.checkedAt < RECHECK_MS) return off.reason;
    off.checkedAt = now;
    const [then, current] = await Promise.all([off.fingerprint, folderFingerprint(this.#o.folder)]);
    if (current === then) return off.reason;
    if (this.#disabled !== off) return this.#disabled?.reason;
    this.#disabled = undefined;
    this.#deaths = [];
    this.#o.log(`user module "${this.#d.name}" enabled again: its files changed`);
    return undefined;
  }

  /** Queues a read; starts the process when none runs. */
  submit(job: ProcessJob): void {
    if (this.#closed) return job.done({ ok: false, message: "pool closed" });
    if (this.#disabled) return job.done({ ok: false, message: this.#disabled.reason });
    this.#queue.push(job);
    this.#pump();
  }

  /**
   * Withdraws a job whose deadline passed. A queued job just leaves the queue; a running one is
   * stopped for real: the process is killed (a death, counted) and replaced for the next job.
   * Says which of the two happened (`gone`: the job had already answered).
   */
  cancel(job: ProcessJob, why: string): "queued" | "killed" | "gone" {
    const i = this.#queue.indexOf(job);
    if (i >= 0) {
      this.#queue.splice(i, 1);
      return "queued";
    }
    if (this.#running?.job !== job) return "gone";
    this.#running = undefined;
    if (this.#child) this.#kill(this.#child, why);
    return "killed";
  }

  /** Kills the process; queued jobs answer `pool closed`. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#heartbeat);
    for (const job of this.#queue.splice(0)) job.done({ ok: false, message: "pool closed" });
    const running = this.#running;
    this.#running = undefined;
    running?.job.done({ ok: false, message: "pool closed" });
    const child = this.#child;
    if (child) {
      child.killed = "pool closed";
      this.#child = undefined;
      try {
        child.process.kill("SIGKILL");
      } catch (e) {
        if (!(e instanceof TypeError)) throw e; // already exited
      }
      await child.process.status;
    }
  }

  #pump(): void {
    if (this.#closed || this.#disabled || this.#running || this.#queue.length === 0) return;
    // A process being killed takes nothing new: its exit would be blamed on an innocent read.
    if (this.#child?.killed) return;
    const child = this.#child ?? this.#spawn();
    if (!child.ready) return;
    const job = this.#queue.shift()!;
    const taskId = ++this.#taskSeq;
    this.#running = { job, taskId };
    const msg: ProcessRead = {
      type: "read",
      taskId,
      roiId: job.roiId,
      params: job.params,
      crop: size(job.crop),
      surround: job.surround ? size(job.surround) : undefined,
      surroundRect: job.surroundRect,
    };
    const pixels = job.surround
      ? concat(job.crop.data, job.surround.data)
      : new Uint8Array(job.crop.data.buffer, job.crop.data.byteOffset, job.crop.data.length);
    this.#send(child, msg, pixels);
  }

  #spawn(): Child {
    const o = this.#o;
    const process = spawnModuleHost(this.#d, { dataDir: o.dataDir, maxHeapMb: o.maxHeapMb });
    const now = performance.now();
    const child: Child = {
      process,
      stdin: process.stdin.getWriter(),
      ready: false,
      spawnedAt: now,
      lastSeen: now,
      stderrTail: [],
    };
    this.#child = child;
    void this.#readAnswers(child);
    // The exit is handled once stderr is read to its end, so the crash's own words are known.
    const stderrDone = this.#readStderr(child);
    void Promise.all([process.status, stderrDone]).then(([s]) => this.#exited(child, s));
    this.#heartbeat ??= setInterval(() => this.#beat(), o.heartbeatMs);
    this.#send(child, {
      type: "init",
      module: this.#d.name,
      engineUrl: this.#d.engineUrl.href,
      onnxBackend: o.onnxBackend,
      dataDir: o.dataDir,
      env: o.env,
    });
    return child;
  }

  async #readAnswers(child: Child): Promise<void> {
    try {
      for await (
        const { json } of readPackets<FromModuleProcess>(child.process.stdout, MAX_ANSWER_BYTES)
      ) {
        if (child !== this.#child) return;
        this.#onMessage(child, json);
      }
    } catch (e) {
      this.#kill(child, `broke the protocol on stdout: ${(e as Error).message}`);
    }
  }

  async #readStderr(child: Child): Promise<void> {
    try {
      await this.#collectStderr(child);
    } catch (e) {
      this.#o.log(`user module "${this.#d.name}": stderr unreadable: ${(e as Error).message}`);
    }
  }

  async #collectStderr(child: Child): Promise<void> {
    let logged = 0;
    await eachLine(child.process.stderr, (line) => {
      child.stderrTail.push(line);
      if (child.stderrTail.length > 5) child.stderrTail.shift();
      if (/^error: /.test(line)) child.stderrError = line;
      // A module that prints in a loop must not flood the service log.
      if (++logged <= 20) this.#o.log(`user module "${this.#d.name}": ${line}`);
    });
  }

  #onMessage(child: Child, msg: FromModuleProcess): void {
    child.lastSeen = performance.now();
    switch (msg.type) {
      case "ready":
        child.ready = true;
        this.#pump();
        return;
      case "init_failed":
        // Every queued read would fail the same way; they answer now instead of respawning.
        for (const job of this.#queue.splice(0)) job.done({ ok: false, message: msg.message });
        this.#kill(child, msg.message);
        return;
      case "pong":
        return;
      case "result": {
        const running = this.#running;
        if (!running || running.taskId !== msg.taskId) return;
        this.#running = undefined;
        running.job.done(
          msg.ok
            ? { ok: true, output: msg.output, truncated: msg.truncated ?? false }
            : { ok: false, message: msg.message },
        );
        this.#pump();
        return;
      }
    }
  }

  #beat(): void {
    const child = this.#child;
    if (!child) {
      clearInterval(this.#heartbeat);
      this.#heartbeat = undefined;
      return;
    }
    const now = performance.now();
    if (!child.ready) {
      if (now - child.spawnedAt > this.#o.startTimeoutMs) {
        this.#kill(child, `not ready ${this.#o.startTimeoutMs} ms after start`);
      }
    } else if (now - child.lastSeen > this.#o.heartbeatTimeoutMs) {
      this.#kill(child, `no heartbeat for ${Math.round(now - child.lastSeen)} ms (stuck)`);
    } else {
      this.#send(child, { type: "ping", seq: ++this.#taskSeq });
    }
  }

  /** SIGKILL; the exit handler then counts the death with this cause. */
  #kill(child: Child, cause: string): void {
    if (child.killed) return;
    child.killed = cause;
    try {
      child.process.kill("SIGKILL");
    } catch (e) {
      if (!(e instanceof TypeError)) throw e; // exited on its own meanwhile
    }
  }

  #exited(child: Child, status: Deno.CommandStatus): void {
    if (this.#closed) return;
    if (child === this.#child) this.#child = undefined;
    // Our kill's cause only when our SIGKILL ended it: a process that exited on its own while we
    // wrote to it (a broken pipe, then a kill that came too late) died of its own exit.
    const ownKill = child.killed !== undefined && status.signal === "SIGKILL";
    const how = ownKill
      ? child.killed!
      : status.signal
      ? `process ended by ${status.signal}`
      : `process exited with code ${status.code}`;
    const said = ownKill ? "" : child.stderrError ?? child.stderrTail.at(-1);
    const cause = said ? `${how}: ${said}` : how;
    this.#deathCount++;
    const now = this.#o.now();
    this.#deaths = recordDeath(this.#deaths, now, this.#o.deathPolicy);
    this.#o.log(`user module "${this.#d.name}" process ${child.process.pid} ended: ${cause}`);
    const running = this.#running;
    this.#running = undefined;
    running?.job.done({ ok: false, message: `worker died: ${cause}` });
    if (isDyingTooOften(this.#deaths, now, this.#o.deathPolicy)) {
      this.#disable(cause);
    } else {
      this.#pump();
    }
  }

  #disable(lastCause: string): void {
    const { limit, windowMs } = this.#o.deathPolicy;
    const reason = `module "${this.#d.name}" disabled: its process died ${limit} times in ` +
      `${windowMs / 1000} s (last: ${lastCause}); change its files to enable it again`;
    const fingerprint = folderFingerprint(this.#o.folder);
    this.#disabled = { reason, fingerprint, checkedAt: this.#o.now() };
    this.#o.log(reason);
    for (const job of this.#queue.splice(0)) job.done({ ok: false, message: reason });
  }

  #send(child: Child, msg: ToModuleProcess, binary?: Uint8Array): void {
    child.stdin.write(encodePacket(msg, binary)).catch((e: Error) => {
      this.#kill(child, `stdin closed: ${e.message}`);
    });
  }
}

function size(img: RgbaImage): PixelsHeader {
  return { width: img.width, height: img.height };
}

function concat(a: Uint8Array | Uint8ClampedArray, b: Uint8Array | Uint8ClampedArray): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
