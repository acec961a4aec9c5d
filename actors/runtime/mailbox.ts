/** A bounded mailbox whose overflow rule is chosen per message kind. */

/**
 * What happens when a message arrives at a full mailbox: `block` makes the sender wait for room
 * (control messages: never dropped), `drop-oldest` evicts the oldest message of the same kind
 * (frame notifications: newest wins), `drop-newest` refuses the new one.
 */
export type Overflow = "block" | "drop-oldest" | "drop-newest";

/** Options of a mailbox. */
export interface MailboxOptions<M extends { type: string }> {
  /** Messages held at most (64). */
  capacity?: number;
  /** Rule per message; default `block` for every kind. */
  overflow?: (msg: M) => Overflow;
}

/** Counters visible in actor snapshots. */
export interface MailboxStats {
  /** Messages waiting now. */
  size: number;
  /** Senders waiting for room. */
  blockedSenders: number;
  /** Dropped messages by kind. */
  dropped: Record<string, number>;
}

/** FIFO queue with a bound; `take` waits for the next message. */
export class Mailbox<M extends { type: string }> {
  readonly capacity: number;
  #overflow: (msg: M) => Overflow;
  #queue: M[] = [];
  #takers: ((m: M) => void)[] = [];
  #blocked: { msg: M; resolve: () => void }[] = [];
  #dropped: Record<string, number> = {};
  #closed = false;

  constructor(opts: MailboxOptions<M> = {}) {
    this.capacity = Math.max(1, opts.capacity ?? 64);
    this.#overflow = opts.overflow ?? (() => "block");
  }

  /** Enqueues `msg`; resolves at once unless the rule is `block` and the box is full. */
  put(msg: M): Promise<void> {
    if (this.#closed) return Promise.reject(new Error("mailbox closed"));
    const taker = this.#takers.shift();
    if (taker) {
      taker(msg);
      return Promise.resolve();
    }
    if (this.#queue.length < this.capacity) {
      this.#queue.push(msg);
      return Promise.resolve();
    }
    const rule = this.#overflow(msg);
    if (rule === "block") {
      return new Promise((resolve) => this.#blocked.push({ msg, resolve }));
    }
    this.#countDrop(msg.type);
    if (rule === "drop-oldest") {
      const i = this.#queue.findIndex((m) => m.type === msg.type);
      if (i >= 0) {
        this.#queue.splice(i, 1);
        this.#queue.push(msg);
      }
    }
    return Promise.resolve();
  }

  /** Resolves with the next message, in arrival order. */
  take(): Promise<M> {
    const next = this.#queue.shift();
    if (next !== undefined) {
      this.#admitBlocked();
      return Promise.resolve(next);
    }
    if (this.#closed) return Promise.reject(new Error("mailbox closed"));
    return new Promise((resolve) => this.#takers.push(resolve));
  }

  /** Stops accepting messages; blocked senders are released (their messages discarded). */
  close(): void {
    this.#closed = true;
    for (const b of this.#blocked) b.resolve();
    this.#blocked = [];
  }

  /** Current counters. */
  stats(): MailboxStats {
    return {
      size: this.#queue.length,
      blockedSenders: this.#blocked.length,
      dropped: { ...this.#dropped },
    };
  }

  #admitBlocked(): void {
    const b = this.#blocked.shift();
    if (!b) return;
    this.#queue.push(b.msg);
    b.resolve();
  }

  #countDrop(type: string): void {
    this.#dropped[type] = (this.#dropped[type] ?? 0) + 1;
  }
}
