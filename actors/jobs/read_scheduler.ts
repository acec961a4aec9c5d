/**
 * Admission of live frames into the worker pool: a job asks for a turn once it has a new frame, and
 * gets it when the pool has room: fewer reads in flight than `capacity` (the workers) plus
 * `headroom` (default: one more read per worker, so the workers never idle while the main thread
 * binds the next frame on a loaded machine). Only then does it bind the newest frame and hand all
 * of that frame's ROIs to the pool together, so a frame waits behind at most `capacity + headroom`
 * reads of other frames, never behind other jobs' whole frames, and its ROIs are read back to back.
 *
 * Turns are shared fairly: the waiting job that was granted the fewest ROI reads goes first (a
 * job that joins starts level with the least-served active job, so it cannot claim a backlog).
 * Jobs with the same number of ROIs thus get the same number of frames; none starves.
 *
 * Pure bookkeeping: no timers, no clock; the pool reports each finished read through the grant.
 */

/** One turn: the reads it holds free up one by one, and the turn ends with `finish`. */
export interface ReadGrant {
  /** `n` of the turn's reads finished (their workers are free). Extra calls are ignored. */
  done(n?: number): void;
  /** The turn is over: reads not reported yet are given back. Idempotent. */
  finish(): void;
}

/** A pending request; `cancel` withdraws it (its promise then never settles). */
export interface TurnRequest {
  granted: Promise<ReadGrant>;
  cancel(): void;
}

/** Gauges for status and tests. */
export interface SchedulerStats {
  capacity: number;
  inFlight: number;
  waiting: number;
  /** ROI reads granted per job since it joined. */
  served: Record<string, number>;
}

interface Waiter {
  job: string;
  cost: number;
  order: number;
  resolve: (g: ReadGrant) => void;
}

/** The fair, late-binding admission of frames (see the module comment). */
export class ReadScheduler {
  #capacity: () => number;
  #headroom: number | undefined;
  #inFlight = 0;
  #order = 0;
  #waiting: Waiter[] = [];
  #served = new Map<string, number>();

  /**
   * `capacity`: how many reads may run at once, normally the pool's worker count; `headroom`: how
   * many more may wait queued (default `capacity`).
   */
  constructor(capacity: number | (() => number), opts: { headroom?: number } = {}) {
    this.#capacity = typeof capacity === "number" ? () => capacity : capacity;
    this.#headroom = opts.headroom;
  }

  /** Asks for a turn of `cost` reads (the frame's ROIs, plus one for page detection). */
  request(job: string, cost: number): TurnRequest {
    if (!this.#served.has(job)) this.#served.set(job, this.#floor());
    let waiter: Waiter | undefined;
    const granted = new Promise<ReadGrant>((resolve) => {
      waiter = { job, cost: Math.max(1, Math.floor(cost)), order: ++this.#order, resolve };
    });
    this.#waiting.push(waiter!);
    this.#pump();
    return {
      granted,
      cancel: () => {
        const i = this.#waiting.indexOf(waiter!);
        if (i >= 0) this.#waiting.splice(i, 1);
      },
    };
  }

  /** The job stopped: its waits are dropped and its share forgotten. */
  forget(job: string): void {
    this.#waiting = this.#waiting.filter((w) => w.job !== job);
    this.#served.delete(job);
  }

  /** Current gauges. */
  stats(): SchedulerStats {
    return {
      capacity: this.#capacity(),
      inFlight: this.#inFlight,
      waiting: this.#waiting.length,
      served: Object.fromEntries(this.#served),
    };
  }

  /** The least any active job was served: where a newcomer starts. */
  #floor(): number {
    let min = Infinity;
    for (const v of this.#served.values()) min = Math.min(min, v);
    return Number.isFinite(min) ? min : 0;
  }

  #pump(): void {
    const capacity = this.#capacity();
    const limit = capacity + (this.#headroom ?? capacity);
    while (this.#waiting.length > 0 && (this.#inFlight === 0 || this.#inFlight < limit)) {
      let best = 0;
      for (let i = 1; i < this.#waiting.length; i++) {
        const w = this.#waiting[i];
        const b = this.#waiting[best];
        const ws = this.#served.get(w.job) ?? 0;
        const bs = this.#served.get(b.job) ?? 0;
        if (ws < bs || (ws === bs && w.order < b.order)) best = i;
      }
      const [w] = this.#waiting.splice(best, 1);
      this.#served.set(w.job, (this.#served.get(w.job) ?? 0) + w.cost);
      w.resolve(this.#grant(w.cost));
    }
  }

  #grant(cost: number): ReadGrant {
    let left = cost;
    this.#inFlight += cost;
    const give = (n: number) => {
      const k = Math.min(left, Math.max(0, n));
      if (k === 0) return;
      left -= k;
      this.#inFlight -= k;
      this.#pump();
    };
    return { done: (n = 1) => give(n), finish: () => give(left) };
  }
}
