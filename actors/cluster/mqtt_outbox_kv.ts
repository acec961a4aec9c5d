/**
 * Cluster mode: the MQTT outbox's result messages live in the KV bucket `visionroi_mqtt_outbox`
 * (R copies), one entry per queued message under `<node>.<config>.<seq>`, so messages queued while
 * a broker was down outlive their node. A node sends a job's messages only while it holds the job's
 * lease (the connection's `mayPublish`, as for every publish of results); the others wait. The
 * node that owns a job adopts the job's messages of a node that is gone at once, and those of a
 * live node (paused and woken, cut off and back) once it has owned the job for a lease time, when
 * that node's own lease has certainly lapsed and it sends none of them: each goes into the
 * adopter's outbox (same message id, a new entry under its own name) and only then is the other
 * node's entry deleted. A node forgets queued messages whose entries another node deleted so.
 * Message ids already adopted or queued here are skipped, so a message adopted twice (the adopter
 * died between its write and the delete) is still published once by the next one. Other messages
 * (discovery, availability) and the counters stay in the node's SQLite outbox.
 */
import type { KV } from "@nats-io/kv";
import { decodeToken, encodeToken, retryTransient } from "../state/kv_backend.ts";
import type { OutboxMessage, OutboxPersistence } from "../mqtt/mqtt_outbox.ts";

/** The bucket's name. */
export const OUTBOX_BUCKET = "visionroi_mqtt_outbox";

/** A message as stored in the bucket. */
interface StoredMessage {
  id: string;
  cam: string;
  topic: string;
  payload: string;
  qos: 0 | 1 | 2;
  retain: boolean;
  queued_at: number;
}

/** What adoption needs from the rest of the node. */
export interface AdoptDeps {
  /** True while `node` is alive (in the node registry). */
  alive(node: string): boolean;
  /** True while this node owns the job of `camId` (its lease). */
  owns(camId: string): boolean;
  /** How long this node has owned the job of `camId`, ms [adopt from gone nodes only]. */
  ownedForMs?(camId: string): number;
  /** Queues an adopted message on config `config`; false when that config is not here. */
  push(config: string, msg: OutboxMessage): boolean;
  /** Drops queued messages of `config` another node adopted (their entries are gone). */
  forget?(config: string, seqs: ReadonlySet<number>): void;
}

/** This node's share of the bucket, and adoption of dead nodes' messages. */
export class ClusterOutbox {
  #kv: KV;
  #node: string;
  #prefix: string;
  #own = new Map<string, { seq: number; msg: OutboxMessage }[]>();
  /** Per config: sequence numbers whose messages live in the bucket. */
  #inKv = new Map<string, Set<number>>();
  /** Per config: those of them whose entry is known written (by `open` or a finished put). */
  #written = new Map<string, Set<number>>();
  #chain: Promise<void> = Promise.resolve();
  #ids = new Set<string>();
  /** `<config>\n<seq>` → message id, for messages of this node in the bucket. */
  #idOf = new Map<string, string>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;
  #since = Date.now();

  private constructor(kv: KV, node: string) {
    this.#kv = kv;
    this.#node = node;
    this.#prefix = encodeToken(node);
  }

  /** Opens (creating) the bucket and reads what this node left there. */
  static async open(
    kvm: { create(name: string, opts: object): Promise<KV> },
    node: string,
    replicas: number,
  ): Promise<ClusterOutbox> {
    const kv = await retryTransient(() => kvm.create(OUTBOX_BUCKET, { history: 1, replicas }));
    await retryTransient(() => kv.get("probe"));
    const box = new ClusterOutbox(kv, node);
    for (const key of await box.#keys(`${box.#prefix}.>`)) {
      const [, cfgTok, seqText] = key.split(".");
      const msg = await box.#read(key);
      if (!msg) continue;
      const config = decodeToken(cfgTok);
      const list = box.#own.get(config) ?? [];
      list.push({ seq: Number(seqText), msg });
      box.#own.set(config, list);
      box.#setOf(box.#written, config).add(Number(seqText));
      box.#ids.add(msg.id!);
      box.#idOf.set(`${config}\n${seqText}`, msg.id!);
    }
    for (const list of box.#own.values()) list.sort((a, b) => a.seq - b.seq);
    return box;
  }

  /**
   * The persistence of one config's outbox: messages for a camera go to the bucket, the rest and
   * the counters to `local` (the SQLite outbox). Writes to the bucket happen in order, in the
   * background.
   */
  persistence(config: string, local: OutboxPersistence): OutboxPersistence {
    const cfgTok = encodeToken(config);
    const inKv = this.#setOf(this.#inKv, config);
    const written = this.#setOf(this.#written, config);
    return {
      load: () => {
        const stored = local.load();
        const mine = this.#own.get(config) ?? [];
        this.#own.delete(config);
        for (const m of mine) inKv.add(m.seq);
        // Sequence numbers are the outbox's own: local ones and bucket ones never collide
        // because both come from one counter per config (the larger stored one continues).
        const messages = [...stored.messages.filter((m) => !inKv.has(m.seq)), ...mine]
          .sort((a, b) => a.seq - b.seq);
        return { messages, sent: stored.sent, dropped: stored.dropped };
      },
      add: (seq, msg) => {
        if (!msg.camId || !msg.id) return local.add(seq, msg);
        inKv.add(seq);
        this.#ids.add(msg.id);
        this.#idOf.set(`${config}\n${seq}`, msg.id);
        const value: StoredMessage = {
          id: msg.id,
          cam: msg.camId,
          topic: msg.topic,
          payload: msg.payload,
          qos: msg.qos,
          retain: msg.retain,
          queued_at: msg.queuedAt,
        };
        this.#later(
          `put ${config} ${seq}`,
          async () => {
            await this.#kv.put(`${this.#prefix}.${cfgTok}.${seq}`, JSON.stringify(value));
            if (inKv.has(seq)) written.add(seq);
          },
        );
      },
      remove: (seq) => {
        written.delete(seq);
        this.#idOf.delete(`${config}\n${seq}`);
        if (!inKv.delete(seq)) return local.remove(seq);
        this.#later(
          `delete ${config} ${seq}`,
          () => this.#kv.delete(`${this.#prefix}.${cfgTok}.${seq}`),
        );
      },
      counters: (sent, dropped) => local.counters(sent, dropped),
    };
  }

  /** Adopts dead nodes' messages every `everyMs` (after one lease time, so the registry is known). */
  run(deps: AdoptDeps, everyMs = 2_000, graceMs = 6_000): void {
    const turn = async () => {
      if (this.#stopped) return;
      if (Date.now() - this.#since >= graceMs) {
        await this.adopt(deps).catch((err) =>
          console.error(`cluster mqtt outbox: adoption failed: ${(err as Error).message}`)
        );
        await this.forgetAdopted(deps).catch((err) =>
          console.error(
            `cluster mqtt outbox: check of own entries failed: ${(err as Error).message}`,
          )
        );
      }
      if (!this.#stopped) this.#timer = setTimeout(turn, everyMs);
    };
    this.#timer = setTimeout(turn, everyMs);
  }

  /**
   * One adoption pass: messages for jobs this node owns, of nodes that are gone, or alive but no
   * longer able to send them (this node has owned the job for `graceMs`); returns how many.
   */
  async adopt(deps: AdoptDeps, graceMs = 6_000): Promise<number> {
    let adopted = 0;
    const keys = (await this.#keys(">")).filter((k) => !k.startsWith(`${this.#prefix}.`));
    // Oldest first within a node and config, so order holds for each ROI.
    keys.sort((a, b) => {
      const [na, ca, sa] = a.split(".");
      const [nb, cb, sb] = b.split(".");
      return na.localeCompare(nb) || ca.localeCompare(cb) || Number(sa) - Number(sb);
    });
    for (const key of keys) {
      const [nodeTok, cfgTok] = key.split(".");
      const alive = deps.alive(decodeToken(nodeTok));
      if (alive && !deps.ownedForMs) continue;
      const msg = await this.#read(key);
      if (!msg || !deps.owns(msg.camId!)) continue;
      if (alive && deps.ownedForMs!(msg.camId!) < graceMs) continue;
      if (!this.#ids.has(msg.id!)) {
        if (!deps.push(decodeToken(cfgTok), msg)) continue;
        adopted++;
      }
      // After our own copy is written (same queue): a crash in between leaves two copies with
      // one id, and whoever adopts them next publishes one.
      this.#later(`delete adopted ${key}`, () => this.#kv.delete(key));
    }
    await this.#chain;
    return adopted;
  }

  /**
   * Forgets this node's queued messages whose entries another node deleted (it adopted them):
   * only entries known written count, so a put still on its way is never taken for one.
   * Returns how many.
   */
  async forgetAdopted(deps: AdoptDeps): Promise<number> {
    if (!deps.forget) return 0;
    const present = new Set(await this.#keys(`${this.#prefix}.>`));
    let n = 0;
    for (const [config, written] of this.#written) {
      const cfgTok = encodeToken(config);
      const inKv = this.#setOf(this.#inKv, config);
      const gone = new Set<number>();
      for (const seq of written) {
        if (!present.has(`${this.#prefix}.${cfgTok}.${seq}`)) gone.add(seq);
      }
      if (gone.size === 0) continue;
      for (const seq of gone) {
        written.delete(seq);
        inKv.delete(seq);
        // Not sent from here: should the message come back (its adopter gone, the job here
        // again), it is adopted like any other.
        const id = this.#idOf.get(`${config}\n${seq}`);
        this.#idOf.delete(`${config}\n${seq}`);
        if (id) this.#ids.delete(id);
      }
      deps.forget(config, gone);
      n += gone.size;
    }
    return n;
  }

  /** Stops adopting and waits for pending writes. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#chain;
  }

  #setOf(map: Map<string, Set<number>>, config: string): Set<number> {
    let set = map.get(config);
    if (!set) map.set(config, set = new Set());
    return set;
  }

  async #keys(filter: string): Promise<string[]> {
    const keys: string[] = [];
    for await (const k of await retryTransient(() => this.#kv.keys(filter))) keys.push(k);
    return keys;
  }

  async #read(key: string): Promise<OutboxMessage | undefined> {
    const e = await retryTransient(() => this.#kv.get(key));
    if (!e || e.operation !== "PUT" || e.length === 0) return undefined;
    const s = e.json<StoredMessage>();
    return {
      id: s.id,
      camId: s.cam,
      topic: s.topic,
      payload: s.payload,
      qos: s.qos,
      retain: s.retain,
      queuedAt: s.queued_at,
    };
  }

  #later(what: string, op: () => Promise<unknown>): void {
    this.#chain = this.#chain.then(() => retryTransient(op)).then(
      () => undefined,
      (err) => console.error(`cluster mqtt outbox: ${what} failed: ${(err as Error).message}`),
    );
  }
}
