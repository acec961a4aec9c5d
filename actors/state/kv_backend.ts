/**
 * The desired state's second backend: a NATS JetStream KV bucket shared by every node of a cluster.
 * Keys are `<kind>.<name>` (the name token-encoded), values `{origin, value}` JSON; a deleted
 * entity stays as a record without `value` (a tombstone, so a node that was away learns of the
 * delete and a rename says where the entity went). Each node keeps its data dir as a local copy:
 * at start it takes over the bucket's entries (and seeds the bucket with local entities it lacks),
 * then a watch applies every other node's write through {@linkcode DesiredState.applyRemote}, so
 * every node's change feed sees edits made on any node.
 */
import { type KV, type KvWatchEntry, KvWatchInclude } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import type { DesiredState, EntityKind } from "./desired_state.ts";
import { REPLICATED_KINDS, type StateReplica } from "./state_collections.ts";

/** What a key holds. */
interface KvRecord {
  origin: string;
  value?: unknown;
  renamedTo?: string;
}

/**
 * A name as one subject/key token: `[A-Za-z0-9_-]` kept, every other UTF-8 byte as `<escape>HH`;
 * the empty name is `<escape>` alone. KV keys escape with `=`, result subjects with `%`.
 */
export function encodeToken(name: string, escape = "="): string {
  if (name === "") return escape;
  let out = "";
  for (const byte of new TextEncoder().encode(name)) {
    const ch = String.fromCharCode(byte);
    out += /[A-Za-z0-9_-]/.test(ch)
      ? ch
      : escape + byte.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

/** The inverse of {@linkcode encodeToken}. */
export function decodeToken(token: string, escape = "="): string {
  if (token === escape) return "";
  const bytes: number[] = [];
  for (let i = 0; i < token.length; i++) {
    if (token[i] === escape) {
      bytes.push(parseInt(token.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(token.charCodeAt(i));
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

/**
 * Runs `fn` again while JetStream cannot answer for a moment (a new bucket, or a server of the
 * cluster died and its streams elect new leaders: no responders, timeouts), every 250 ms for up
 * to `attempts` tries (10 s by default); other errors are thrown at once.
 */
export async function retryTransient<T>(fn: () => Promise<T>, attempts = 40): Promise<T> {
  for (let i = 1;; i++) {
    try {
      return await fn();
    } catch (err) {
      const msg = `${(err as Error)?.name} ${(err as Error)?.message ?? err}`;
      if (
        i >= attempts || !/no responders|timeout|not enabled|stream not found|leader/i.test(msg)
      ) {
        throw err;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** `p`, or a rejection naming `what` once `ms` have passed. */
function deadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/**
 * Watches a bucket with `watch` and watches again whenever the watch may have stopped: after every
 * reconnect, when its iterator ends or a restart failed (retried at the next check), with `idleMs`
 * whenever nothing arrived for that long (buckets written every few seconds), and with `lastSeq`
 * (the bucket stream's last sequence) when the bucket holds writes the watch has not delivered for
 * two checks in a row. A KV watch does not always survive the loss of a server: its consumer may
 * live on the dead one, and it then stops delivering, silently, on a connection that never dropped.
 * `watch(true)` should replay the current values. Returns the stop.
 */
export async function keepWatching(
  nc: NatsConnection | undefined,
  watch: (again: boolean) => Promise<AsyncIterable<KvWatchEntry> & { stop(): void }>,
  onEntry: (e: KvWatchEntry) => void,
  opts: {
    idleMs?: number;
    lastSeq?: () => Promise<number>;
    checkMs?: number;
    /** How long a restart may take before it counts as failed (default 10 s). */
    restartMs?: number;
    log?: (line: string) => void;
  } = {},
): Promise<() => void> {
  const log = opts.log ?? ((line: string) => console.error(line));
  const restartMs = opts.restartMs ?? 10_000;
  let stopped = false;
  let lastEntry = Date.now();
  /** The highest revision delivered (or covered by a replay). */
  let seen = 0;
  /** Behind the bucket at the previous check. */
  let behind = false;
  let broken = false;
  let current: { stop(): void } | undefined;
  let restarting = false;
  const run = async (again: boolean) => {
    const w = await retryTransient(() => watch(again));
    lastEntry = Date.now();
    void (async () => {
      try {
        for await (const e of w) {
          if (stopped) break;
          lastEntry = Date.now();
          seen = Math.max(seen, e.revision);
          onEntry(e);
        }
      } catch (err) {
        log(`cluster: watch failed: ${(err as Error).message}`);
      }
      if (!stopped && current === w) broken = true;
    })();
    return w;
  };
  const restart = async (why: string) => {
    if (restarting || stopped) return;
    restarting = true;
    const old = current;
    current = undefined;
    old?.stop();
    try {
      // A replay covers what the bucket holds now, whether or not it is delivered again (values
      // that expired since are not).
      const last = opts.lastSeq ? await opts.lastSeq().catch(() => 0) : 0;
      // Bounded: a watch asked of a cluster that just lost a server can be retried for minutes,
      // and no check restarts it meanwhile. A watch that arrives late is stopped, not used.
      const next = run(true);
      current = await deadline(next, restartMs, "watching again").catch((err) => {
        next.then((w) => current !== w && w.stop(), () => undefined);
        throw err;
      });
      seen = Math.max(seen, last);
      broken = false;
      behind = false;
    } catch (err) {
      broken = true;
      log(`cluster: watch not restarted (${why}), trying again: ${(err as Error).message}`);
    } finally {
      restarting = false;
    }
  };
  current = await run(false);
  if (opts.lastSeq) seen = Math.max(seen, await opts.lastSeq().catch(() => 0));
  if (nc) {
    void (async () => {
      for await (const s of nc.status()) {
        if (stopped) break;
        if (s.type === "reconnect") await restart("reconnect");
      }
    })();
  }
  const { idleMs, lastSeq } = opts;
  const checkMs = opts.checkMs ?? (idleMs === undefined ? 2_000 : Math.max(250, idleMs / 2));
  const check = async () => {
    if (stopped || restarting) return;
    if (broken) return void await restart("stopped");
    if (idleMs !== undefined && Date.now() - lastEntry > idleMs) return void await restart("idle");
    if (!lastSeq) return;
    const last = await lastSeq().catch(() => undefined);
    if (last === undefined || stopped || restarting) return;
    const now = last > seen;
    if (now && behind) {
      log(`cluster: watch behind the bucket (seen ${seen}, bucket at ${last}), watching again`);
      return void await restart("behind");
    }
    behind = now;
  };
  const timer = setInterval(() => void check(), checkMs);
  return () => {
    stopped = true;
    clearInterval(timer);
    current?.stop();
  };
}

/** The KV backend of one node. */
export class KvStateBackend implements StateReplica {
  readonly kv: KV;
  readonly nodeId: string;
  /** key → the record the bucket holds, as last written or seen here. */
  #records = new Map<string, KvRecord>();
  #stopWatch: (() => void) | undefined;
  #log: (line: string) => void;
  /** Remote changes applied one at a time, in the bucket's order. */
  #applying: Promise<void> = Promise.resolve();

  #nc: NatsConnection | undefined;

  constructor(
    kv: KV,
    nodeId: string,
    opts: { log?: (line: string) => void; connection?: NatsConnection } = {},
  ) {
    this.kv = kv;
    this.#nc = opts.connection;
    this.nodeId = nodeId;
    this.#log = opts.log ?? ((line) => console.error(line));
  }

  /** Publishes a local change (skipped when the bucket holds that value already). */
  async publish(
    kind: EntityKind,
    name: string,
    entry: { value: unknown; renamedTo?: string },
  ): Promise<void> {
    const key = `${kind}.${encodeToken(name)}`;
    const prev = this.#records.get(key);
    if (
      prev && JSON.stringify(prev.value) === JSON.stringify(entry.value) &&
      prev.renamedTo === entry.renamedTo
    ) return;
    const record: KvRecord = { origin: this.nodeId, ...entry };
    this.#records.set(key, record);
    await retryTransient(() => this.kv.put(key, JSON.stringify(record)));
  }

  /** The names of a kind's live entities (what the bucket holds now, as seen here). */
  names(kind: EntityKind): string[] {
    const out: string[] = [];
    for (const [key, rec] of this.#records) {
      const [k, token] = key.split(".");
      if (k === kind && rec.value !== undefined) out.push(decodeToken(token));
    }
    return out.sort();
  }

  /**
   * Joins the cluster's desired state: applies the bucket's entries to the local files (no
   * announcements: nothing runs yet), publishes local entities the bucket does not know (the
   * first node seeds it), then watches for other nodes' writes.
   */
  async start(state: DesiredState, localNames: Partial<Record<EntityKind, string[]>>) {
    // Watch first (updates only), then read what is there: nothing written in between is missed.
    const pending: KvWatchEntry[] = [];
    let ready = false;
    const onEntry = (entry: KvWatchEntry) => {
      if (!ready) pending.push(entry);
      else this.#onWatch(state, entry);
    };
    this.#stopWatch = await keepWatching(
      this.#nc,
      (again) =>
        this.kv.watch({
          key: ">",
          include: again ? KvWatchInclude.LastValue : KvWatchInclude.UpdatesOnly,
        }),
      onEntry,
      { lastSeq: async () => (await this.kv.status()).streamInfo.state.last_seq, log: this.#log },
    );
    for await (const key of await this.kv.keys()) {
      const entry = await this.kv.get(key);
      if (!entry || entry.operation !== "PUT") continue;
      this.#records.set(key, entry.json<KvRecord>());
    }
    // Sources before their ROI sets, then jobs and MQTT configs.
    for (const kind of REPLICATED_KINDS) {
      for (const [key, rec] of this.#records) {
        if (key.split(".")[0] !== kind) continue;
        await this.#apply(state, key, rec, false);
      }
      for (const name of localNames[kind] ?? []) {
        if (this.#records.has(`${kind}.${encodeToken(name)}`)) continue;
        await this.publish(kind, name, { value: await state.localValue(kind, name) });
      }
    }
    ready = true;
    for (const entry of pending) this.#onWatch(state, entry);
  }

  #onWatch(state: DesiredState, entry: KvWatchEntry): void {
    if (entry.operation !== "PUT") return;
    const rec = entry.json<KvRecord>();
    if (rec.origin === this.nodeId) return;
    this.#records.set(entry.key, rec);
    this.#applying = this.#applying.then(() => this.#apply(state, entry.key, rec, true));
  }

  /** Stops the watch. */
  stop(): void {
    this.#stopWatch?.();
  }

  /** Resolves once every remote change seen so far has been applied. */
  async settled(): Promise<void> {
    await this.#applying;
  }

  async #apply(state: DesiredState, key: string, rec: KvRecord, announce: boolean) {
    const [kind, token] = key.split(".") as [EntityKind, string];
    const entity = { kind, name: decodeToken(token), value: rec.value, renamedTo: rec.renamedTo };
    try {
      await state.applyRemote(entity, { announce });
    } catch (err) {
      this.#log(`cluster: ${key} from ${rec.origin} not applied: ${(err as Error).message}`);
    }
  }
}
