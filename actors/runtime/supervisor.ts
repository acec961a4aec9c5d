/** One-for-one supervision: restart with exponential backoff and jitter, park after a restart budget. */
import { asError, type ExitInfo, FatalError, type Supervisable } from "./actor.ts";
import { type Clock, systemClock, type TimerId } from "./clock.ts";
import {
  DEFAULT_RESTART_POLICY,
  isRestartingTooFast,
  nextRestartDelay,
  type RestartKind,
  type RestartPolicy,
  shouldRestart,
} from "./restart_policy.ts";

/** How to (re)build one child: a factory called for the first start and every restart. */
export interface ChildSpec<A extends Supervisable> {
  /** Unique among the supervisor's children. */
  readonly id: string;
  /** Restart rule. */
  readonly kind: RestartKind;
  /** Builds a fresh instance from the persisted snapshot. */
  readonly create: () => A | Promise<A>;
  /** Overrides of the default policy. */
  readonly policy?: Partial<RestartPolicy>;
}

/** Supervision state of a child: `running`, waiting to `restart`, parked as `failed`, or `stopped`. */
export type ChildState = "running" | "restarting" | "failed" | "stopped";

/** What the supervisor knows about a child, visible in snapshots and the API. */
export interface ChildStatus {
  /** The child's id. */
  id: string;
  /** Supervision state. */
  state: ChildState;
  /** Restarts since the child was first started. */
  restarts: number;
  /** Message of the last failure. */
  lastError?: string;
  /** When the pending restart fires, ms since the epoch. */
  nextRestartAt?: number;
  /** When the current instance started, ms since the epoch. */
  startedAt?: number;
}

/** Supervisor options; defaults in brackets. */
export interface SupervisorOptions {
  /** Time source [system clock]. */
  clock?: Clock;
  /** Jitter source [Math.random]. */
  random?: () => number;
  /** Policy for children that set none [DEFAULT_RESTART_POLICY]. */
  policy?: Partial<RestartPolicy>;
}

interface Child<A extends Supervisable> {
  spec: ChildSpec<A>;
  policy: RestartPolicy;
  instance?: A;
  status: ChildStatus;
  attempt: number;
  restartTimes: number[];
  timer?: TimerId;
  generation: number;
  /** When the current run of failures began (for the policy's early cap). */
  failingSince?: number;
}

/** Owns children; restarts each on its own (one-for-one). */
export class Supervisor<A extends Supervisable = Supervisable> {
  #clock: Clock;
  #random: () => number;
  #policy: RestartPolicy;
  #children = new Map<string, Child<A>>();
  #listeners = new Set<(s: ChildStatus) => void>();
  #stopping = false;

  constructor(opts: SupervisorOptions = {}) {
    this.#clock = opts.clock ?? systemClock;
    this.#random = opts.random ?? Math.random;
    this.#policy = { ...DEFAULT_RESTART_POLICY, ...opts.policy };
  }

  /** Starts a child; an id already present is stopped first. Resolves once it started or failed to. */
  async startChild(spec: ChildSpec<A>): Promise<ChildStatus> {
    if (this.#children.has(spec.id)) await this.stopChild(spec.id);
    const child: Child<A> = {
      spec,
      policy: { ...this.#policy, ...spec.policy },
      status: { id: spec.id, state: "restarting", restarts: 0 },
      attempt: 0,
      restartTimes: [],
      generation: 0,
    };
    this.#children.set(spec.id, child);
    await this.#launch(child);
    return { ...child.status };
  }

  /** Stops a child and forgets it. Unknown ids are ignored. */
  async stopChild(id: string): Promise<void> {
    const child = this.#children.get(id);
    if (!child) return;
    this.#children.delete(id);
    child.generation++;
    if (child.timer !== undefined) this.#clock.clearTimeout(child.timer);
    const instance = child.instance;
    child.instance = undefined;
    this.#set(child, { state: "stopped", nextRestartAt: undefined });
    await instance?.stop();
  }

  /** Stops every child, the most recently started first. */
  async stopAll(): Promise<void> {
    this.#stopping = true;
    const ids = [...this.#children.keys()].reverse();
    for (const id of ids) await this.stopChild(id);
    this.#stopping = false;
  }

  /** The running instance of a child, if any. */
  instance(id: string): A | undefined {
    return this.#children.get(id)?.instance;
  }

  /** Supervision state of a child, if known. */
  status(id: string): ChildStatus | undefined {
    const child = this.#children.get(id);
    return child && { ...child.status };
  }

  /** Ids of every child in start order. */
  ids(): string[] {
    return [...this.#children.keys()];
  }

  /** Calls `fn` on every status change; returns the unsubscribe. */
  onChange(fn: (s: ChildStatus) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  async #launch(child: Child<A>): Promise<void> {
    const generation = child.generation;
    let instance: A;
    try {
      instance = await child.spec.create();
      child.instance = instance;
      this.#set(child, {
        state: "running",
        nextRestartAt: undefined,
        startedAt: this.#clock.now(),
      });
      await instance.start();
    } catch (err) {
      child.instance = undefined;
      if (generation === child.generation) {
        const reason = err instanceof FatalError ? "fatal" : "error";
        this.#onExit(child, { reason, error: asError(err) });
      }
      return;
    }
    instance.exited.then((exit) => {
      if (generation !== child.generation || child.instance !== instance) return;
      child.instance = undefined;
      this.#onExit(child, exit);
    });
  }

  #onExit(child: Child<A>, exit: ExitInfo): void {
    const now = this.#clock.now();
    const lastError = exit.error?.message ?? child.status.lastError;
    if (
      this.#stopping ||
      !shouldRestart(child.spec.kind, exit.reason === "normal" ? "normal" : "error")
    ) {
      this.#set(child, { state: exit.reason === "normal" ? "stopped" : "failed", lastError });
      return;
    }
    if (exit.reason === "fatal") {
      this.#set(child, { state: "failed", lastError });
      return;
    }
    const startedAt = child.status.startedAt ?? now;
    if (now - startedAt >= child.policy.stableAfterMs) child.attempt = 0;
    if (child.attempt === 0) child.failingSince = now;
    child.restartTimes = [
      ...child.restartTimes.filter((t) => now - t < child.policy.windowMs),
      now,
    ];
    if (isRestartingTooFast(child.policy, child.restartTimes, now)) {
      this.#set(child, { state: "failed", lastError, nextRestartAt: undefined });
      return;
    }
    const delay = nextRestartDelay(
      child.policy,
      child.attempt++,
      this.#random,
      now - (child.failingSince ?? now),
    );
    const generation = child.generation;
    child.timer = this.#clock.setTimeout(() => {
      child.timer = undefined;
      if (generation !== child.generation) return;
      this.#set(child, { restarts: child.status.restarts + 1 });
      void this.#launch(child);
    }, delay);
    this.#set(child, { state: "restarting", lastError, nextRestartAt: now + delay });
  }

  #set(child: Child<A>, patch: Partial<ChildStatus>): void {
    child.status = { ...child.status, ...patch };
    for (const fn of this.#listeners) fn({ ...child.status });
  }
}
