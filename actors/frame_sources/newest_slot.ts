/**
 * A one-value hand-off where the newest value wins. A producer that must not block (a pipe
 * reader draining ffmpeg) puts; a slower consumer takes the newest and the older ones are
 * dropped and counted, so a live camera never serves stale frames from a backlog.
 */
export class NewestSlot<T> {
  #value: T | undefined;
  #has = false;
  #closed = false;
  #error: unknown;
  #waiter: (() => void) | undefined;
  #dropped = 0;

  /** Values overwritten before anyone took them. */
  get dropped(): number {
    return this.#dropped;
  }

  /**
   * Offers a value; replaces (and counts) an untaken one, which it returns so the producer can
   * reuse what it holds. Ignored after close (the value is returned then too).
   */
  put(value: T): T | undefined {
    if (this.#closed) return value;
    const replaced = this.#has ? this.#value : undefined;
    if (this.#has) this.#dropped++;
    this.#value = value;
    this.#has = true;
    this.#wake();
    return replaced;
  }

  /**
   * Ends the slot. A value still waiting is delivered first; then take() throws `error` when
   * given, or reports done. Only the first close counts.
   */
  close(error?: unknown): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#error = error;
    this.#wake();
  }

  /** Waits for the next value; `done` once closed and drained; throws the close error if any. */
  async take(): Promise<IteratorResult<T, undefined>> {
    while (!this.#has && !this.#closed) {
      await new Promise<void>((resolve) => this.#waiter = resolve);
    }
    if (this.#has) {
      const value = this.#value as T;
      this.#value = undefined;
      this.#has = false;
      return { done: false, value };
    }
    if (this.#error !== undefined) throw this.#error;
    return { done: true, value: undefined };
  }

  #wake(): void {
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.();
  }
}
