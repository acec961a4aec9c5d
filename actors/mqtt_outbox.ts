/**
 * The bounded, ordered outbox of one MQTT connection. Every publish goes through it, connected or
 * not, so order holds across reconnects: messages leave from the head, stay until the broker has
 * them (PUBACK for QoS 1), and are sent again from the head after a reconnect. Beyond the bound the
 * oldest message is dropped and counted. It outlives connection actors (it belongs to the config).
 */

/** One message waiting to be delivered. */
export interface OutboxMessage {
  topic: string;
  payload: string;
  qos: 0 | 1 | 2;
  retain: boolean;
  /** When it was queued, ms since the epoch. */
  queuedAt: number;
}

/** An entry with its delivery state. */
interface Entry {
  msg: OutboxMessage;
  state: "queued" | "inflight" | "done";
  sentAt: number;
}

/** Counters shown in the connection's snapshot. */
export interface OutboxStats {
  /** Messages waiting or in flight. */
  queued: number;
  /** Delivered: written (QoS 0) or acknowledged (QoS 1/2). */
  sent: number;
  /** Dropped because the outbox was full. */
  dropped: number;
}

/** A FIFO with a bound, in-flight tracking and delivery counters. */
export class MqttOutbox {
  #entries: Entry[] = [];
  #head = 0;
  /** No queued entry sits before this index (a scan cursor). */
  #next = 0;
  #inflight = 0;
  /** Entries not yet done (acked entries behind an un-acked head are not waiting). */
  #waiting = 0;
  #capacity: number;
  #sent = 0;
  #dropped = 0;
  #listeners = new Set<() => void>();

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`invalid outbox capacity ${capacity}: expected a positive integer`);
    }
    this.#capacity = capacity;
  }

  /** The bound. */
  get capacity(): number {
    return this.#capacity;
  }

  /** Changes the bound; a smaller one drops the oldest at once. */
  resize(capacity: number): void {
    this.#capacity = capacity;
    this.#trim();
  }

  /** Queues a message (dropping the oldest beyond the bound) and wakes the sender. */
  push(msg: OutboxMessage): void {
    this.#entries.push({ msg, state: "queued", sentAt: 0 });
    this.#waiting++;
    this.#trim();
    for (const fn of this.#listeners) fn();
  }

  /** Calls `fn` after every push; returns the unsubscribe. */
  onPush(fn: () => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /** Marks the next queued message in flight (sent at `now`); undefined when none waits. */
  take(now: number): { msg: OutboxMessage; ack: () => void } | undefined {
    for (let i = Math.max(this.#head, this.#next); i < this.#entries.length; i++) {
      const e = this.#entries[i];
      if (e.state !== "queued") continue;
      this.#next = i + 1;
      this.#inflight++;
      e.state = "inflight";
      e.sentAt = now;
      return { msg: e.msg, ack: () => this.#ack(e) };
    }
    return undefined;
  }

  /** Messages in flight now. */
  inflight(): number {
    return this.#inflight;
  }

  /** Send time of the oldest message in flight, or undefined. */
  oldestInflightAt(): number | undefined {
    for (let i = this.#head; i < this.#entries.length; i++) {
      const e = this.#entries[i];
      if (e.state === "inflight") return e.sentAt;
    }
    return undefined;
  }

  /** After a lost connection: everything in flight is queued again, in order. */
  requeue(): void {
    for (let i = this.#head; i < this.#entries.length; i++) {
      const e = this.#entries[i];
      if (e.state === "inflight") e.state = "queued";
    }
    this.#inflight = 0;
    this.#next = this.#head;
  }

  /** Counters. */
  stats(): OutboxStats {
    return { queued: this.#waiting, sent: this.#sent, dropped: this.#dropped };
  }

  #ack(e: Entry): void {
    // The broker has it, whichever connection it went out on; a second ack counts nothing.
    if (e.state === "done") return;
    if (e.state === "inflight") this.#inflight--;
    e.state = "done";
    this.#waiting--;
    this.#sent++;
    while (this.#head < this.#entries.length && this.#entries[this.#head].state === "done") {
      this.#head++;
    }
    this.#compact();
  }

  #trim(): void {
    while (this.#waiting > this.#capacity) {
      const e = this.#entries[this.#head++];
      if (e.state !== "done") {
        if (e.state === "inflight") this.#inflight--;
        e.state = "done";
        this.#waiting--;
        this.#dropped++;
      }
    }
    this.#compact();
  }

  #compact(): void {
    if (this.#head > 1024 && this.#head * 2 > this.#entries.length) {
      this.#entries = this.#entries.slice(this.#head);
      this.#next = Math.max(0, this.#next - this.#head);
      this.#head = 0;
    }
  }
}
