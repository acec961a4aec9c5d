/**
 * Fans every job message out: each subscriber of a cam_id gets every message through its own
 * bounded buffer (a slow client drops its oldest messages and the drops are counted, here and by
 * the route's socket sender; VisionROI split one queue between clients), and sinks (log, recent
 * list, history, MQTT) see every result.
 */

/** One ROI's entry in an aggregated message (VisionROI's fields plus value/confidence/error). */
export interface RoiResultEntry {
  id: string;
  name: string;
  text: string;
  module: string;
  /** The module that ran, when `module` is an alias of it (`easy_ocr` runs on `rapid_ocr`). */
  engine?: string;
  group: string;
  cam_id: string;
  source: string;
  frame_time: number;
  result_time: number;
  duration: number;
  /** Base64 JPEG of the crop, when a client wants images. */
  image?: string;
  value?: number;
  confidence?: number;
  error?: string;
  /** Set when the module's text passed 4 KiB and was cut (or its data dropped). */
  truncated?: boolean;
  mqtt_config?: string;
  /** Set when the ROI has plausibility `rules`: whether this reading became the current value. */
  status?: "accepted" | "rejected";
  /** Why a reading was rejected, in words (`rate 37/min > 10/min`). */
  reason?: string;
  /**
   * Set on an accepted reading that equals the PreValue of a ROI with `on_change_only`: sinks
   * that publish state (MQTT, history, notifiers) skip it; `/ws_roi_result` still shows it.
   */
  unchanged?: boolean;
  /** Set when the crop did not change and the last result was reused (`skip_unchanged`). */
  cached?: boolean;
}

/** The aggregated message of one frame, VisionROI's shape. */
export interface FrameResult {
  frame_time: number;
  result_time: number;
  cam_id: string;
  source: string;
  group: string;
  frame_duration: number;
  results: RoiResultEntry[];
}

/** The page/group message sent before a frame's results when pages are scored. */
export interface GroupMessage {
  group: string;
  scores: { page: string; score: number }[];
}

/** What subscribers receive; `closed` ends the stream with a reason. */
export type BusMessage =
  | { kind: "result"; result: FrameResult }
  | { kind: "group"; group: GroupMessage }
  | { kind: "closed"; reason: string };

/** A subscriber's queue. */
export class Subscription {
  readonly camId: string;
  readonly capacity: number;
  #queue: BusMessage[] = [];
  #waiter: ((m: BusMessage | undefined) => void) | undefined;
  #closed = false;
  #onClose: () => void;
  /** Messages dropped because this subscriber fell behind. */
  dropped = 0;

  constructor(camId: string, capacity: number, onClose: () => void) {
    this.camId = camId;
    this.capacity = capacity;
    this.#onClose = onClose;
  }

  /** Queues a message, dropping the oldest when full. */
  push(m: BusMessage): void {
    if (this.#closed) return;
    if (this.#waiter) {
      const w = this.#waiter;
      this.#waiter = undefined;
      w(m);
      return;
    }
    if (this.#queue.length >= this.capacity) {
      this.#queue.shift();
      this.dropped++;
    }
    this.#queue.push(m);
  }

  /** The next message, or undefined once closed and drained. */
  next(): Promise<BusMessage | undefined> {
    const m = this.#queue.shift();
    if (m) return Promise.resolve(m);
    if (this.#closed) return Promise.resolve(undefined);
    return new Promise((resolve) => (this.#waiter = resolve));
  }

  /** Counts `n` messages dropped after this buffer, on the way to the client (a full socket). */
  countDropped(n: number): void {
    if (n > 0) this.dropped += n;
  }

  /** Stops delivery and frees the slot. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#waiter?.(undefined);
    this.#waiter = undefined;
    this.#onClose();
  }
}

/** Receives every published result (log, recent list, history, MQTT). */
export type ResultSink = (result: FrameResult) => void | Promise<void>;

/** A message of this node's jobs on its way to other nodes (cluster mode). */
export type LocalMessage =
  | { kind: "result"; camId: string; result: FrameResult }
  | { kind: "group"; camId: string; group: GroupMessage };

/** The bus. */
export class ResultBus {
  #subs = new Map<string, Set<Subscription>>();
  #sinks: ResultSink[] = [];
  #imageDemands: ((camId: string) => boolean)[] = [];
  #recent: FrameResult[] = [];
  #droppedTotal = 0;
  #gate: (camId: string) => boolean = () => true;
  #forwarders: ((m: LocalMessage) => void)[] = [];
  #fenced = 0;
  /** How many recent results are kept in memory (VisionROI kept 200). */
  readonly recentLimit: number;

  constructor(opts: { recentLimit?: number } = {}) {
    this.recentLimit = opts.recentLimit ?? 200;
  }

  /** Subscribes to one cam_id's messages with a buffer of `capacity` (32). */
  subscribe(camId: string, capacity = 32): Subscription {
    const set = this.#subs.get(camId) ?? new Set();
    this.#subs.set(camId, set);
    const sub = new Subscription(camId, capacity, () => {
      this.#droppedTotal += sub.dropped;
      set.delete(sub);
      if (set.size === 0) this.#subs.delete(camId);
    });
    set.add(sub);
    return sub;
  }

  /** Whether anyone listens to a cam_id, or a sink wants its crops (jobs skip crops otherwise). */
  hasSubscribers(camId: string): boolean {
    return (this.#subs.get(camId)?.size ?? 0) > 0 || this.#imageDemands.some((f) => f(camId));
  }

  /** Makes jobs attach crops for the cam_ids `wants` says yes to (a sink that sends photos). */
  demandImages(wants: (camId: string) => boolean): void {
    this.#imageDemands.push(wants);
  }

  /** Adds a sink that sees every result. */
  addSink(sink: ResultSink): void {
    this.#sinks.push(sink);
  }

  /**
   * Cluster mode: a job's messages pass only while `mayPublish(cam_id)` says this node still holds
   * its lease (fencing: a node that lost the work publishes nothing, not even to its own sinks).
   */
  setGate(mayPublish: (camId: string) => boolean): void {
    this.#gate = mayPublish;
  }

  /** Cluster mode: hands every message of this node's jobs (after the gate) to `fn`. */
  addForwarder(fn: (m: LocalMessage) => void): void {
    this.#forwarders.push(fn);
  }

  /** Messages held back by the gate (this node no longer held the job's lease). */
  get fenced(): number {
    return this.#fenced;
  }

  /**
   * A message another node's job published: its subscribers here and the recent list get it;
   * sinks do not (the owning node logs it and sends it to MQTT once).
   */
  deliverRemote(m: LocalMessage): void {
    if (m.kind === "result") {
      this.#remember(m.result);
      this.#deliver(m.camId, { kind: "result", result: m.result });
    } else this.#deliver(m.camId, { kind: "group", group: m.group });
  }

  /** Delivers a frame's result to subscribers, sinks and the recent list. */
  publishResult(result: FrameResult): void {
    if (!this.#gate(result.cam_id)) {
      this.#fenced++;
      return;
    }
    this.#remember(result);
    this.#deliver(result.cam_id, { kind: "result", result });
    for (const fwd of this.#forwarders) fwd({ kind: "result", camId: result.cam_id, result });
    for (const sink of this.#sinks) {
      Promise.resolve()
        .then(() => sink(result))
        .catch((err) => console.error(`result sink failed: ${(err as Error).message}`));
    }
  }

  /** Delivers a page/group message to subscribers. */
  publishGroup(camId: string, group: GroupMessage): void {
    if (!this.#gate(camId)) {
      this.#fenced++;
      return;
    }
    this.#deliver(camId, { kind: "group", group });
    for (const fwd of this.#forwarders) fwd({ kind: "group", camId, group });
  }

  /** Ends every subscription of a cam_id with a reason (a stop says so). */
  close(camId: string, reason: string): void {
    for (const sub of [...(this.#subs.get(camId) ?? [])]) {
      sub.push({ kind: "closed", reason });
      sub.close();
    }
  }

  /** The most recent results, newest last. */
  recent(): readonly FrameResult[] {
    return this.#recent;
  }

  /** Counters for metrics: subscribers now and messages dropped so far. */
  stats(): { subscribers: number; dropped: number } {
    let subscribers = 0;
    let dropped = this.#droppedTotal;
    for (const set of this.#subs.values()) {
      subscribers += set.size;
      for (const s of set) dropped += s.dropped;
    }
    return { subscribers, dropped };
  }

  #remember(result: FrameResult): void {
    this.#recent.push(result);
    if (this.#recent.length > this.recentLimit) this.#recent.shift();
  }

  #deliver(camId: string, m: BusMessage): void {
    for (const sub of this.#subs.get(camId) ?? []) sub.push(m);
  }
}
