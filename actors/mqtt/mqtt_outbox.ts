/**
 * The bounded, ordered outbox of one MQTT connection. Every publish goes through it, connected or
 * not, so order holds across reconnects: messages leave from the head, stay until the broker has
 * them (PUBACK for QoS 1), and are sent again from the head after a reconnect. Beyond the bound the
 * oldest message is dropped and counted. It outlives connection actors (it belongs to the config),
 * and with a {@linkcode OutboxPersistence} it outlives the process: what is queued is written
 * through, so a restart during a broker outage loses nothing up to the bound.
 */
import type { Clock, TimerId } from "../runtime/mod.ts";
import type { MqttLogTag } from "./mqtt_roi_log.ts";

/** One message waiting to be delivered. */
export interface OutboxMessage {
  topic: string;
  payload: string;
  qos: 0 | 1 | 2;
  retain: boolean;
  /** When it was queued, ms since the epoch. */
  queuedAt: number;
  /** The ROI a result message is for (its MQTT log); not stored, see `tagOfPayload`. */
  roi?: MqttLogTag;
  /** A result message's id and camera (cluster mode: it moves with the job, deduplicated by id). */
  id?: string;
  camId?: string;
}

/** What became of a message: delivered, or dropped because the outbox was full. */
export type OutboxOutcome = "sent" | "dropped";

/** Where an outbox writes through; `seq` orders its messages (see `OutboxDb`). */
export interface OutboxPersistence {
  /** What was stored: messages in order, and the counters. */
  load(): { messages: { seq: number; msg: OutboxMessage }[]; sent: number; dropped: number };
  /** A queued message. */
  add(seq: number, msg: OutboxMessage): void;
  /** A message delivered or dropped. */
  remove(seq: number): void;
  /** The counters as they are now. */
  counters(sent: number, dropped: number): void;
}

/** An entry with its delivery state. */
interface Entry {
  seq: number;
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
  #outcomes = new Set<(msg: OutboxMessage, outcome: OutboxOutcome) => void>();
  #seq = 0;
  #persist: OutboxPersistence | undefined;

  /** An empty outbox, or the stored one of `persist` (trimmed to `capacity`, drops counted). */
  constructor(capacity: number, persist?: OutboxPersistence) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`invalid outbox capacity ${capacity}: expected a positive integer`);
    }
    this.#capacity = capacity;
    if (!persist) return;
    const stored = persist.load();
    for (const { seq, msg } of stored.messages) {
      this.#entries.push({ seq, msg, state: "queued", sentAt: 0 });
      this.#seq = Math.max(this.#seq, seq);
    }
    this.#waiting = this.#entries.length;
    this.#sent = stored.sent;
    this.#dropped = stored.dropped;
    this.#persist = persist;
    this.#trim();
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
    const seq = ++this.#seq;
    this.#entries.push({ seq, msg, state: "queued", sentAt: 0 });
    this.#persist?.add(seq, msg);
    this.#waiting++;
    this.#trim();
    for (const fn of this.#listeners) fn();
  }

  /** Calls `fn` after every push; returns the unsubscribe. */
  onPush(fn: () => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /** Calls `fn` when a message is delivered or dropped; returns the unsubscribe. */
  onOutcome(fn: (msg: OutboxMessage, outcome: OutboxOutcome) => void): () => void {
    this.#outcomes.add(fn);
    return () => this.#outcomes.delete(fn);
  }

  /**
   * Marks the next queued message in flight (sent at `now`); undefined when none waits. With
   * `may`, a message of a camera it refuses (cluster mode: a job this node no longer owns) is held
   * back, queued, and the ones after it may go: all of a camera's messages are held alike, so
   * each camera's order holds.
   */
  take(
    now: number,
    may?: (msg: OutboxMessage) => boolean,
  ): { msg: OutboxMessage; ack: () => void } | undefined {
    let held = -1;
    for (let i = Math.max(this.#head, this.#next); i < this.#entries.length; i++) {
      const e = this.#entries[i];
      if (e.state !== "queued") continue;
      if (may && e.msg.camId !== undefined && !may(e.msg)) {
        if (held < 0) held = i;
        continue;
      }
      this.#next = held >= 0 ? held : i + 1;
      this.#inflight++;
      e.state = "inflight";
      e.sentAt = now;
      return { msg: e.msg, ack: () => this.#ack(e) };
    }
    if (held >= 0) this.#next = held;
    return undefined;
  }

  /**
   * Forgets queued messages by sequence number without touching the persistence (cluster mode:
   * another node adopted them and deleted their stored copies); neither sent nor dropped.
   * Returns how many were forgotten.
   */
  forget(seqs: ReadonlySet<number>): number {
    let n = 0;
    for (let i = this.#head; i < this.#entries.length; i++) {
      const e = this.#entries[i];
      if (e.state !== "queued" || !seqs.has(e.seq)) continue;
      e.state = "done";
      this.#waiting--;
      n++;
    }
    while (this.#head < this.#entries.length && this.#entries[this.#head].state === "done") {
      this.#head++;
    }
    this.#compact();
    return n;
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
    this.#persist?.remove(e.seq);
    this.#persist?.counters(this.#sent, this.#dropped);
    for (const fn of this.#outcomes) fn(e.msg, "sent");
    while (this.#head < this.#entries.length && this.#entries[this.#head].state === "done") {
      this.#head++;
    }
    this.#compact();
  }

  #trim(): void {
    const before = this.#dropped;
    while (this.#waiting > this.#capacity) {
      const e = this.#entries[this.#head++];
      if (e.state !== "done") {
        if (e.state === "inflight") this.#inflight--;
        e.state = "done";
        this.#waiting--;
        this.#dropped++;
        this.#persist?.remove(e.seq);
        for (const fn of this.#outcomes) fn(e.msg, "dropped");
      }
    }
    if (this.#dropped !== before) this.#persist?.counters(this.#sent, this.#dropped);
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

/**
 * The acknowledgement deadline of a connection: when the oldest message in flight has waited
 * `limitMs`, `onTimeout` gets how long it waited. Each check re-arms for the time the oldest message
 * has left, never for a whole period, so a dead link is noticed at the deadline.
 */
export class AckWatch {
  #clock: Clock;
  #limitMs: number;
  #oldest: () => number | undefined;
  #onTimeout: (waitedMs: number) => void;
  #timer: TimerId | undefined;
  #stopped = false;

  /** `oldest` is the send time of the oldest message in flight (undefined when none is). */
  constructor(
    clock: Clock,
    opts: {
      limitMs: number;
      oldest: () => number | undefined;
      onTimeout: (waited: number) => void;
    },
  ) {
    this.#clock = clock;
    this.#limitMs = opts.limitMs;
    this.#oldest = opts.oldest;
    this.#onTimeout = opts.onTimeout;
  }

  /** Starts watching unless a check is already pending. */
  arm(): void {
    if (this.#timer !== undefined || this.#stopped) return;
    const oldest = this.#oldest();
    if (oldest === undefined) return;
    const left = Math.max(0, oldest + this.#limitMs - this.#clock.now());
    this.#timer = this.#clock.setTimeout(() => this.#check(), left);
  }

  /** Stops for good. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #check(): void {
    this.#timer = undefined;
    const oldest = this.#oldest();
    if (oldest === undefined || this.#stopped) return;
    const waited = this.#clock.now() - oldest;
    if (waited >= this.#limitMs) this.#onTimeout(waited);
    else this.arm();
  }
}
