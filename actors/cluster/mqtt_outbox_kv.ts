/**
 * Cluster mode: the MQTT outbox's result messages live in the KV bucket `visionroi_mqtt_outbox`
 * (R copies), one entry per queued message under `<node>.<config>.<seq>`, so messages queued while
 * a broker was down outlive their node. The node that owns a job (its lease) after the node that
 * queued messages for it is gone adopts them: each goes into its own outbox (same message id, a new
 * entry under its own name) and only then is the dead node's entry deleted. Message ids already
 * adopted or queued here are skipped, so a message adopted twice (the adopter died between its
 * write and the delete) is still published once by the next one. Other messages (discovery,
 * availability) and the counters stay in the node's SQLite outbox.
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
  /** Queues an adopted message on config `config`; false when that config is not here. */
  push(config: string, msg: OutboxMessage): boolean;
}

/** This node's share of the bucket, and adoption of dead nodes' messages. */
export class ClusterOutbox {
  #kv: KV;
  #node: string;
  #prefix: string;
  #own = new Map<string, { seq: number; msg: OutboxMessage }[]>();
  #chain: Promise<void> = Promise.resolve();
  #ids = new Set<string>();
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
      box.#ids.add(msg.id!);
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
    const inKv = new Set<number>();
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
          () => this.#kv.put(`${this.#prefix}.${cfgTok}.${seq}`, JSON.stringify(value)),
        );
      },
      remove: (seq) => {
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
      }
      if (!this.#stopped) this.#timer = setTimeout(turn, everyMs);
    };
    this.#timer = setTimeout(turn, everyMs);
  }

  /** One adoption pass: messages of dead nodes for jobs this node owns; returns how many. */
  async adopt(deps: AdoptDeps): Promise<number> {
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
      if (deps.alive(decodeToken(nodeTok))) continue;
      const msg = await this.#read(key);
      if (!msg || !deps.owns(msg.camId!)) continue;
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

  /** Stops adopting and waits for pending writes. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#chain;
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
