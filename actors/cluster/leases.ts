/**
 * Leases on a JetStream KV bucket whose entries expire (`max_age` = the lease TTL; nats-server 2.9
 * has no per-key TTL). Taking a lease is `create` (succeeds only when the key holds nothing: never
 * taken, released, or expired because its owner stopped renewing); renewing is `update` with the
 * revision this node last wrote, so a node whose lease was taken over in the meantime learns it at
 * its next renewal and never overwrites the new owner. For fencing, this node trusts its own lease
 * only until `sentAt + ttl - margin` of its last successful write: the server cannot expire the
 * entry earlier, so no other node can hold it while this node still believes it does.
 */
import type { KV } from "@nats-io/kv";
import { type Clock, systemClock } from "../runtime/mod.ts";
import { retryTransient } from "../state/kv_backend.ts";

/** What a lease key holds. */
export interface LeaseRecord {
  node: string;
  /** Wall time of the write, ms (for display). */
  at: number;
}

interface Held {
  revision: number;
  /** Local time after which this node no longer trusts the lease, ms. */
  validUntil: number;
  /** Local time this node took it, ms. */
  since: number;
}

/** This node's leases. */
export class LeaseTable {
  readonly kv: KV;
  readonly nodeId: string;
  readonly ttlMs: number;
  #clock: Clock;
  #held = new Map<string, Held>();
  #marginMs: number;

  constructor(kv: KV, opts: { nodeId: string; ttlMs: number; clock?: Clock; marginMs?: number }) {
    this.kv = kv;
    this.nodeId = opts.nodeId;
    this.ttlMs = opts.ttlMs;
    this.#clock = opts.clock ?? systemClock;
    this.#marginMs = opts.marginMs ?? 500;
  }

  /** Keys this node believes it holds (renewed or not yet found lost). */
  keys(): string[] {
    return [...this.#held.keys()];
  }

  /** True while this node's last write of `key` is fresh enough that no one else can hold it. */
  holds(key: string): boolean {
    const h = this.#held.get(key);
    return h !== undefined && this.#clock.now() < h.validUntil;
  }

  /** How long this node has held `key` without a break, ms (0 when it does not hold it now). */
  heldForMs(key: string): number {
    const h = this.#held.get(key);
    const now = this.#clock.now();
    return h !== undefined && now < h.validUntil ? now - h.since : 0;
  }

  /** Takes a free lease (true), or renews one held here; false when another node holds it. */
  async acquire(key: string): Promise<boolean> {
    if (this.#held.has(key)) return await this.renew(key);
    const sentAt = this.#clock.now();
    try {
      const revision = await retryTransient(() => this.kv.create(key, this.#record()));
      this.#held.set(key, {
        revision,
        validUntil: sentAt + this.ttlMs - this.#marginMs,
        since: sentAt,
      });
      return true;
    } catch (err) {
      if (isRevisionConflict(err)) return false;
      throw err;
    }
  }

  /**
   * Renews a held lease; false (and forgotten here) when it was lost: another node took it, or
   * it expired and this node could not take it again at once.
   */
  async renew(key: string): Promise<boolean> {
    const h = this.#held.get(key);
    if (!h) return false;
    const sentAt = this.#clock.now();
    try {
      const revision = h.revision;
      h.revision = await retryTransient(() => this.kv.update(key, this.#record(), revision));
      h.validUntil = sentAt + this.ttlMs - this.#marginMs;
      return true;
    } catch (err) {
      if (!isRevisionConflict(err)) throw err;
      this.#held.delete(key);
      return false;
    }
  }

  /** Gives a lease back (only if this node still holds that revision). */
  async release(key: string): Promise<void> {
    const h = this.#held.get(key);
    if (!h) return;
    this.#held.delete(key);
    try {
      await retryTransient(() => this.kv.delete(key, { previousSeq: h.revision }));
    } catch (err) {
      if (!isRevisionConflict(err)) throw err;
    }
  }

  /** Forgets a lease without telling the bucket (it lapses by itself). */
  forget(key: string): void {
    this.#held.delete(key);
  }

  /**
   * Who holds each of `keys` now (one direct read each: unlike a watch, reads work again as soon as
   * a stream has a leader after a server died); a lapsed lease is absent.
   */
  async owners(keys: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const key of keys) {
      const e = await retryTransient(() => this.kv.get(key));
      if (e?.operation === "PUT") out.set(key, e.json<LeaseRecord>().node);
    }
    return out;
  }

  #record(): string {
    return JSON.stringify({ node: this.nodeId, at: Date.now() } satisfies LeaseRecord);
  }
}

/** JetStream's answer to a write whose expected revision did not match. */
function isRevisionConflict(err: unknown): boolean {
  return err instanceof Error && /wrong last sequence|key exists/i.test(err.message);
}
