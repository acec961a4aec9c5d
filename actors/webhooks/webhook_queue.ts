/**
 * The bounded, ordered delivery queue of one webhook, with its counters. Deliveries leave from the
 * head one at a time and stay until the receiver took them (2xx) or refused them for good (another
 * 4xx); beyond the bound the oldest is dropped and counted. It belongs to the hook, not to its
 * sender actor (a restarted sender resumes at the head), and with a {@linkcode QueuePersistence}
 * it outlives the process: a restart while the receiver is away loses nothing up to the bound.
 */

/** One delivery waiting to be sent. */
export interface Delivery {
  /** Increasing per hook; sent as `X-VisionROI-Delivery`. */
  seq: number;
  /** The rendered JSON body. */
  body: string;
  /** When it was queued, ms since the epoch. */
  queuedAt: number;
}

/** What became of deliveries so far, and the last attempt's outcome. */
export interface DeliveryRecord {
  /** Taken by the receiver (2xx). */
  delivered: number;
  /** Refused for good (a 4xx other than 408/429, or a redirect): not retried. */
  failed: number;
  /** Dropped because the queue was full. */
  dropped: number;
  /** Attempts that failed and were retried later. */
  retries: number;
  /** When the last delivery was taken, ms since the epoch. */
  last_delivery_at: number | null;
  /** HTTP status of the last answer (null: no answer). */
  last_status: number | null;
  /** The last failure in words (null: none yet). */
  last_error: string | null;
  /** When the last failure happened, ms since the epoch. */
  last_error_at: number | null;
}

/** Where a queue writes through (see `WebhookOutboxDb`). */
export interface QueuePersistence {
  /** What was stored: deliveries in order, and the record. */
  load(): { deliveries: Delivery[]; record?: DeliveryRecord };
  /** A queued delivery. */
  add(d: Delivery): void;
  /** A delivery taken, refused or dropped. */
  remove(seq: number): void;
  /** The record as it is now. */
  record(r: DeliveryRecord): void;
}

/** A fresh record. */
export function emptyRecord(): DeliveryRecord {
  return {
    delivered: 0,
    failed: 0,
    dropped: 0,
    retries: 0,
    last_delivery_at: null,
    last_status: null,
    last_error: null,
    last_error_at: null,
  };
}

/** A FIFO with a bound, counters and write-through. */
export class WebhookQueue {
  #items: Delivery[] = [];
  #head = 0;
  #capacity: number;
  #seq = 0;
  #record: DeliveryRecord;
  #persist: QueuePersistence | undefined;
  #listeners = new Set<() => void>();

  /** An empty queue, or the stored one of `persist` (trimmed to `capacity`, drops counted). */
  constructor(capacity: number, persist?: QueuePersistence) {
    this.#capacity = checkCapacity(capacity);
    this.#persist = persist;
    const stored = persist?.load();
    this.#items = stored?.deliveries ?? [];
    this.#seq = this.#items.at(-1)?.seq ?? 0;
    this.#record = { ...emptyRecord(), ...stored?.record };
    // Sequence numbers never repeat for a hook, even after its queue emptied and the process restarted.
    this.#seq = Math.max(
      this.#seq,
      this.#record.delivered + this.#record.failed + this.#record.dropped,
    );
    this.#trim();
  }

  /** The bound. */
  get capacity(): number {
    return this.#capacity;
  }

  /** Changes the bound; a smaller one drops the oldest at once. */
  resize(capacity: number): void {
    this.#capacity = checkCapacity(capacity);
    this.#trim();
  }

  /** Queues a body (dropping the oldest beyond the bound) and wakes the sender; returns its seq. */
  push(body: string, now: number): number {
    const d: Delivery = { seq: ++this.#seq, body, queuedAt: now };
    this.#items.push(d);
    this.#persist?.add(d);
    this.#trim();
    for (const fn of this.#listeners) fn();
    return d.seq;
  }

  /** Calls `fn` after every push; returns the unsubscribe. */
  onPush(fn: () => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /** The oldest waiting delivery, or undefined. */
  head(): Delivery | undefined {
    return this.#items[this.#head];
  }

  /** Deliveries waiting. */
  get length(): number {
    return this.#items.length - this.#head;
  }

  /**
   * Ends delivery `seq`: taken by the receiver or refused for good. A seq that is no longer the
   * head (dropped meanwhile) only updates the last answer.
   */
  settle(
    seq: number,
    outcome: { delivered: true; status: number; at: number } | {
      delivered: false;
      status?: number;
      error: string;
      at: number;
    },
  ): void {
    const r = this.#record;
    r.last_status = outcome.status ?? null;
    if (outcome.delivered) r.last_delivery_at = outcome.at;
    else [r.last_error, r.last_error_at] = [outcome.error, outcome.at];
    if (this.head()?.seq === seq) {
      this.#head++;
      if (outcome.delivered) r.delivered++;
      else r.failed++;
      this.#persist?.remove(seq);
      this.#compact();
    }
    this.#persist?.record({ ...r });
  }

  /** Counts a delivery that was never queued (its body too large), with why. */
  refuse(error: string, at: number): void {
    const r = this.#record;
    r.failed++;
    [r.last_error, r.last_error_at] = [error, at];
    this.#persist?.record({ ...r });
  }

  /** Records a failed attempt that will be retried. */
  retrying(failure: { status?: number; error: string; at: number }): void {
    const r = this.#record;
    r.retries++;
    r.last_status = failure.status ?? null;
    [r.last_error, r.last_error_at] = [failure.error, failure.at];
    this.#persist?.record({ ...r });
  }

  /** The counters and the last answer. */
  record(): DeliveryRecord {
    return { ...this.#record };
  }

  #trim(): void {
    let dropped = 0;
    while (this.length > this.#capacity) {
      const d = this.#items[this.#head++];
      this.#persist?.remove(d.seq);
      dropped++;
    }
    if (dropped > 0) {
      this.#record.dropped += dropped;
      this.#persist?.record({ ...this.#record });
    }
    this.#compact();
  }

  #compact(): void {
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
  }
}

function checkCapacity(n: number): number {
  if (!Number.isInteger(n) || n < 1) {
    throw new RangeError(`invalid queue_size ${n}: expected a positive integer`);
  }
  return n;
}
