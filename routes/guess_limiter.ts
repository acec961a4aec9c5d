/**
 * Limits token guesses per client address: after `max` wrong tokens (login form or Bearer header)
 * within `windowMs`, that address gets 429 with `Retry-After` until its oldest guess ages out.
 */

/** Options of a {@linkcode GuessLimiter}; defaults in brackets. */
export interface GuessLimiterOptions {
  /** Wrong guesses allowed per window [10]. */
  max?: number;
  /** Window in ms [60 000]. */
  windowMs?: number;
  /** Addresses tracked; the least recently failing is forgotten beyond [10 000]. */
  maxAddresses?: number;
  /** Clock in ms [Date.now]. */
  now?: () => number;
}

/** Wrong-guess counter per address (a sliding window). */
export class GuessLimiter {
  readonly #max: number;
  readonly #windowMs: number;
  readonly #maxAddresses: number;
  readonly #now: () => number;
  readonly #fails = new Map<string, number[]>();

  /** A limiter; see {@linkcode GuessLimiterOptions} for the defaults. */
  constructor(opts: GuessLimiterOptions = {}) {
    this.#max = opts.max ?? 10;
    this.#windowMs = opts.windowMs ?? 60_000;
    this.#maxAddresses = opts.maxAddresses ?? 10_000;
    this.#now = opts.now ?? Date.now;
  }

  /** Seconds until `address` may guess again, or 0 when it may now. */
  retryAfterS(address: string): number {
    const times = this.#recent(address);
    if (times.length < this.#max) return 0;
    const waitMs = times[times.length - this.#max] + this.#windowMs - this.#now();
    return Math.max(1, Math.ceil(waitMs / 1000));
  }

  /** Records a wrong guess from `address`. */
  fail(address: string): void {
    const times = this.#recent(address);
    times.push(this.#now());
    if (times.length > this.#max) times.splice(0, times.length - this.#max);
    this.#fails.delete(address); // re-insert: Map order is then least recently failing first
    this.#fails.set(address, times);
    while (this.#fails.size > this.#maxAddresses) {
      this.#fails.delete(this.#fails.keys().next().value!);
    }
  }

  #recent(address: string): number[] {
    const times = this.#fails.get(address);
    if (!times) return [];
    const since = this.#now() - this.#windowMs;
    while (times.length > 0 && times[0] <= since) times.shift();
    if (times.length === 0) this.#fails.delete(address);
    return times;
  }
}
