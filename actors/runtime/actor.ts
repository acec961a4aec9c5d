/** The generic actor: a mailbox, a JSON snapshot with a status, a transition, and start/cleanup. */
import { type Clock, systemClock } from "./clock.ts";
import { Mailbox, type MailboxOptions, type MailboxStats } from "./mailbox.ts";

/** How an actor ended: `normal` (asked to stop), `error` (crashed: restart may help), `fatal` (restarting cannot help). */
export type ExitReason = "normal" | "error" | "fatal";

/** An ended actor's exit, for its supervisor. */
export interface ExitInfo {
  /** Why it ended. */
  reason: ExitReason;
  /** The failure, for `error` and `fatal`. */
  error?: Error;
}

/** Every snapshot has a status; the rest is actor-specific JSON. */
export interface BaseSnapshot {
  /** Actor-specific lifecycle word. */
  status: string;
}

/** What the supervisor needs from anything it runs. */
export interface Supervisable {
  /** Stable address. */
  readonly id: string;
  /** Runs side effects and the message loop; rejects if it cannot start. */
  start(): Promise<void>;
  /** Graceful stop; resolves after cleanup. */
  stop(): Promise<void>;
  /** Resolves once when the actor ends, however it ends. */
  readonly exited: Promise<ExitInfo>;
}

/** A reply callback carried inside an `ask` message. */
export type Reply<R> = (value: R | Error) => void;

/** A failure that restarting cannot mend (a missing file): the supervisor parks the child at once. */
export class FatalError extends Error {
  override name = "FatalError";
}

/** Raised by `ask` when no reply came in time. */
export class AskTimeoutError extends Error {
  override name = "AskTimeoutError";
}

/** Options shared by every actor. */
export interface ActorOptions<M extends { type: string }> {
  /** Time source (system clock). */
  clock?: Clock;
  /** Mailbox size and overflow rules. */
  mailbox?: MailboxOptions<M>;
}

type Cleanup = () => void | Promise<void>;

/**
 * Base class: subclasses implement `receive` (the transition) and optionally `onStart` (side effects
 * returning their cleanup). A throw from either ends the actor with `error`; it never retries itself.
 */
export abstract class Actor<M extends { type: string }, S extends BaseSnapshot>
  implements Supervisable {
  readonly id: string;
  readonly exited: Promise<ExitInfo>;
  protected readonly clock: Clock;
  #mailbox: Mailbox<M>;
  #snapshot: S;
  #listeners = new Set<(s: S) => void>();
  #cleanup: Cleanup | undefined;
  #ended = false;
  #resolveExit!: (e: ExitInfo) => void;

  constructor(id: string, initial: S, opts: ActorOptions<M> = {}) {
    this.id = id;
    this.#snapshot = initial;
    this.clock = opts.clock ?? systemClock;
    this.#mailbox = new Mailbox(opts.mailbox);
    this.exited = new Promise((resolve) => (this.#resolveExit = resolve));
  }

  /** The transition: handle one message, updating the snapshot through `update`. */
  protected abstract receive(msg: M): void | Promise<void>;

  /** Side effects to run at start; returns their cleanup. */
  protected onStart(): void | Cleanup | Promise<void | Cleanup> {}

  /** Starts side effects, then processes messages until stopped or crashed. */
  async start(): Promise<void> {
    try {
      this.#cleanup = (await this.onStart()) ?? undefined;
    } catch (err) {
      await this.end(err instanceof FatalError ? "fatal" : "error", asError(err));
      throw err;
    }
    this.#loop();
  }

  /** Graceful stop. */
  async stop(): Promise<void> {
    await this.end("normal");
  }

  /** Delivers a message under the mailbox's overflow rule. */
  send(msg: M): Promise<void> {
    if (this.#ended) return Promise.reject(new Error(`actor ${this.id} has stopped`));
    return this.#mailbox.put(msg);
  }

  /** Sends a message built around a reply callback and waits for the reply or the timeout. */
  ask<R>(make: (reply: Reply<R>) => M, timeoutMs = 5_000): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const timer = this.clock.setTimeout(
        () => reject(new AskTimeoutError(`actor ${this.id} did not answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const reply: Reply<R> = (v) => {
        this.clock.clearTimeout(timer);
        v instanceof Error ? reject(v) : resolve(v);
      };
      this.send(make(reply)).catch((err) => {
        this.clock.clearTimeout(timer);
        reject(err);
      });
    });
  }

  /** The current snapshot (a JSON-safe copy is the caller's business). */
  snapshot(): S {
    return this.#snapshot;
  }

  /** Mailbox counters. */
  mailboxStats(): MailboxStats {
    return this.#mailbox.stats();
  }

  /** Calls `fn` on every snapshot change; returns the unsubscribe. */
  subscribe(fn: (s: S) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /** True once stopped or crashed. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Replaces snapshot fields and tells subscribers. */
  protected update(patch: Partial<S>): void {
    this.#snapshot = { ...this.#snapshot, ...patch };
    for (const fn of this.#listeners) fn(this.#snapshot);
  }

  /** Ends the actor with a failure; the supervisor decides what happens next. */
  protected crash(error: Error, reason: "error" | "fatal" = "error"): void {
    void this.end(reason, error);
  }

  /** Runs cleanup once and resolves `exited`. */
  protected async end(reason: ExitReason, error?: Error): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    this.#mailbox.close();
    const cleanup = this.#cleanup;
    this.#cleanup = undefined;
    try {
      await cleanup?.();
    } catch (err) {
      console.error(`actor ${this.id}: cleanup failed:`, asError(err).message);
    }
    this.#resolveExit({ reason, error });
  }

  async #loop(): Promise<void> {
    while (!this.#ended) {
      let msg: M;
      try {
        msg = await this.#mailbox.take();
      } catch {
        return; // the mailbox closed: the actor is ending
      }
      try {
        await this.receive(msg);
      } catch (err) {
        await this.end(err instanceof FatalError ? "fatal" : "error", asError(err));
        return;
      }
    }
  }
}

/** Coerces anything thrown into an Error. */
export function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
