/**
 * Addressing by id with activation on demand and passivation when idle, serverless style: an actor
 * held by someone (a job, a preview stream) runs until its last holder lets go; one woken only by a
 * request stops again after an idle timeout. Its snapshot stays in the store.
 */
import type { Supervisable } from "./actor.ts";
import { type Clock, systemClock, type TimerId } from "./clock.ts";
import type { ChildSpec, Supervisor } from "./supervisor.ts";

/** Registry options; defaults in brackets. */
export interface RegistryOptions<A extends Supervisable> {
  /** Runs the actors. */
  supervisor: Supervisor<A>;
  /** Builds the child spec of an id, or undefined when nothing by that id can exist. */
  specFor: (id: string) => ChildSpec<A> | undefined | Promise<ChildSpec<A> | undefined>;
  /** Idle time before an unheld actor is passivated, ms [60 000]. */
  idleTimeoutMs?: number;
  /** Time source [system clock]. */
  clock?: Clock;
}

/** Activates, holds and passivates supervised actors by id. */
export class ActorRegistry<A extends Supervisable> {
  #opts: RegistryOptions<A>;
  #clock: Clock;
  #holders = new Map<string, Set<string>>();
  #idle = new Map<string, TimerId>();
  #activating = new Map<string, Promise<boolean>>();

  constructor(opts: RegistryOptions<A>) {
    this.#opts = opts;
    this.#clock = opts.clock ?? systemClock;
  }

  /**
   * Makes sure the actor runs and returns false when no actor by that id can exist. With a
   * `holder`, it is held until `release`; without, it is passivated after the idle timeout.
   */
  async activate(id: string, holder?: string): Promise<boolean> {
    if (holder) {
      const set = this.#holders.get(id) ?? new Set();
      set.add(holder);
      this.#holders.set(id, set);
    }
    const pending = this.#activating.get(id);
    const ok = await (pending ?? this.#ensureRunning(id));
    if (!ok && holder) this.#holders.get(id)?.delete(holder);
    if (ok) this.touch(id);
    return ok;
  }

  /** Drops a holder; when none is left the actor stops now. */
  async release(id: string, holder: string): Promise<void> {
    const set = this.#holders.get(id);
    if (!set?.delete(holder)) return;
    if (set.size === 0) {
      this.#holders.delete(id);
      await this.passivate(id);
    }
  }

  /** Restarts the idle countdown of an unheld actor. */
  touch(id: string): void {
    const old = this.#idle.get(id);
    if (old !== undefined) this.#clock.clearTimeout(old);
    this.#idle.delete(id);
    if (this.isHeld(id)) return;
    const timer = this.#clock.setTimeout(() => {
      this.#idle.delete(id);
      if (!this.isHeld(id)) void this.passivate(id);
    }, this.#opts.idleTimeoutMs ?? 60_000);
    this.#idle.set(id, timer);
  }

  /** Stops the actor (its snapshot stays); holders are forgotten. */
  async passivate(id: string): Promise<void> {
    const timer = this.#idle.get(id);
    if (timer !== undefined) this.#clock.clearTimeout(timer);
    this.#idle.delete(id);
    this.#holders.delete(id);
    await this.#opts.supervisor.stopChild(id);
  }

  /** Whether anyone holds the actor. */
  isHeld(id: string): boolean {
    return (this.#holders.get(id)?.size ?? 0) > 0;
  }

  /** Who holds the actor. */
  holders(id: string): string[] {
    return [...(this.#holders.get(id) ?? [])];
  }

  /** Whether the supervisor knows the actor (running, restarting or failed). */
  isActive(id: string): boolean {
    return this.#opts.supervisor.status(id) !== undefined;
  }

  async #ensureRunning(id: string): Promise<boolean> {
    const status = this.#opts.supervisor.status(id);
    if (status && status.state !== "failed" && status.state !== "stopped") return true;
    const work = (async () => {
      const spec = await this.#opts.specFor(id);
      if (!spec) return false;
      await this.#opts.supervisor.startChild(spec);
      return true;
    })();
    this.#activating.set(id, work);
    try {
      return await work;
    } finally {
      this.#activating.delete(id);
    }
  }
}
