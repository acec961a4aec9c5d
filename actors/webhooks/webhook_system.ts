/**
 * Webhooks → one supervised {@linkcode WebhookSenderActor} each, with a queue per hook that
 * outlives restarts of its sender and, written through to `webhook_outbox.db`, of the process. The
 * ResultBus sink renders every ROI result a hook fires on into its queue; the reconciler follows
 * the desired state's `webhook` changes (a changed hook restarts its sender, a deleted one drops its
 * queue).
 */
import type { FrameResult } from "../jobs/result_bus.ts";
import { type Clock, Supervisor, systemClock } from "../runtime/mod.ts";
import type { WebhookConfig } from "../../storage/webhook_config.ts";
import { type DeliveryRecord, WebhookQueue } from "./webhook_queue.ts";
import { pathExists } from "../../storage/path_exists.ts";
import { WebhookOutboxDb } from "./webhook_outbox_db.ts";
import { WebhookSenderActor, type WebhookSenderSnapshot } from "./webhook_sender_actor.ts";
import { fires, placeholderValues, renderBody, statusOf, watches } from "./webhook_rules.ts";

/** A hook's delivery state as the API shows it (times in seconds since the epoch). */
export interface WebhookStatusView {
  /** `idle`, `sending`, `retrying`, `disabled`, or `failed` (the sender kept crashing). */
  state: WebhookSenderSnapshot["status"] | "disabled" | "failed";
  /** Deliveries waiting. */
  queued: number;
  delivered: number;
  failed: number;
  dropped: number;
  retries: number;
  last_delivery_at: number | null;
  last_status: number | null;
  last_error: string | null;
  last_error_at: number | null;
  next_retry_at: number | null;
}

/** Per-hook counters for `/metrics`. */
export interface WebhookStats {
  hook: string;
  queued: number;
  delivered: number;
  failed: number;
  dropped: number;
  retries: number;
}

/** Options; defaults in brackets. */
export interface WebhookSystemOptions {
  /** Where queues persist (`.visionroi/webhook_outbox.db`). */
  outboxPath: string;
  /** The stored hook of a name (the desired state). */
  hookOf: (name: string) => WebhookConfig | undefined;
  /** Time source [system clock]. */
  clock?: Clock;
}

interface Link {
  hook: WebhookConfig;
  queue: WebhookQueue;
  pattern?: RegExp;
  /** `["cam_id","roi_id"]` → text of the last accepted reading (for `changed`). */
  last: Map<string, string>;
}

/** Largest rendered body; a template that repeats a long text can pass it. */
export const MAX_DELIVERY_BYTES = 32 * 1024;

const sec = (ms: number | null) => (ms === null ? null : ms / 1000);

/** Every webhook of the process. */
export class WebhookSystem {
  readonly supervisor: Supervisor<WebhookSenderActor>;
  #o: WebhookSystemOptions;
  #clock: Clock;
  #db: WebhookOutboxDb | undefined;
  #links = new Map<string, Link>();

  constructor(opts: WebhookSystemOptions) {
    this.#o = opts;
    this.#clock = opts.clock ?? systemClock;
    // A sender only crashes on a bug: restart it, as for any actor.
    this.supervisor = new Supervisor({ clock: this.#clock });
  }

  /** Opens the queues of `hooks` (forgetting those of hooks deleted meanwhile) and starts senders. */
  async start(hooks: readonly WebhookConfig[]): Promise<void> {
    // Without hooks the file is not created; one left from earlier still sheds deleted hooks.
    if (hooks.length > 0 || await pathExists(this.#o.outboxPath)) {
      this.#outbox().keepOnly(hooks.map((h) => h.name));
    }
    for (const h of hooks) await this.#apply(h);
  }

  /** The reconciler: makes `name`'s sender and queue match its stored hook. */
  async reconcile(name: string): Promise<void> {
    const hook = this.#o.hookOf(name);
    if (hook) await this.#apply(hook);
    else await this.#remove(name);
  }

  /** The ResultBus sink: queues a delivery per entry and hook that fires. */
  readonly sink = (result: FrameResult): void => {
    if (this.#links.size === 0) return;
    const now = this.#clock.now();
    for (const link of this.#links.values()) {
      const { hook } = link;
      if (!hook.enabled) continue;
      for (const entry of result.results) {
        if (!watches(hook, entry)) continue;
        const key = JSON.stringify([entry.cam_id, entry.id]);
        const previous = link.last.get(key);
        const fire = fires(hook, entry, { previous, pattern: link.pattern });
        if (hook.when === "changed" && statusOf(entry) === "accepted" && previous !== entry.text) {
          link.last.set(key, entry.text);
          this.#db?.setLastText(hook.name, { roi: key, text: entry.text });
        }
        if (!fire) continue;
        const body = renderBody(hook.body, placeholderValues(entry, hook));
        const bytes = new TextEncoder().encode(body).length;
        if (bytes > MAX_DELIVERY_BYTES) {
          link.queue.refuse(
            `body of ${bytes} bytes is over ${MAX_DELIVERY_BYTES} (ROI ${entry.id}); not sent`,
            now,
          );
        } else link.queue.push(body, now);
      }
    }
  };

  /** The API's status of a hook, or undefined when it has no queue. */
  status(name: string): WebhookStatusView | undefined {
    const link = this.#links.get(name);
    if (!link) return undefined;
    const r: DeliveryRecord = link.queue.record();
    const sup = this.supervisor.status(`webhook:${name}`);
    const snap = this.supervisor.instance(`webhook:${name}`)?.snapshot();
    const state: WebhookStatusView["state"] = !link.hook.enabled
      ? "disabled"
      : sup?.state === "failed"
      ? "failed"
      : snap?.status ?? "idle";
    return {
      state,
      queued: link.queue.length,
      delivered: r.delivered,
      failed: r.failed,
      dropped: r.dropped,
      retries: r.retries,
      last_delivery_at: sec(r.last_delivery_at),
      last_status: r.last_status,
      last_error: r.last_error,
      last_error_at: sec(r.last_error_at),
      next_retry_at: state === "retrying" ? sec(snap?.next_retry_at ?? null) : null,
    };
  }

  /** Counters of every hook, for `/metrics`. */
  stats(): WebhookStats[] {
    return [...this.#links.values()].map(({ hook, queue }) => {
      const r = queue.record();
      return {
        hook: hook.name,
        queued: queue.length,
        delivered: r.delivered,
        failed: r.failed,
        dropped: r.dropped,
        retries: r.retries,
      };
    });
  }

  /** Stops every sender and closes the outbox (what is queued stays on disk). */
  async stopAll(): Promise<void> {
    await this.supervisor.stopAll();
    this.#db?.close();
    this.#db = undefined;
    this.#links.clear();
  }

  async #apply(hook: WebhookConfig): Promise<void> {
    const old = this.#links.get(hook.name);
    const link: Link = old ?? {
      hook,
      queue: new WebhookQueue(hook.queue_size, this.#outbox().persistence(hook.name)),
      last: this.#outbox().lastTexts(hook.name),
    };
    if (old && old.hook.when !== hook.when) link.last.clear();
    link.hook = hook;
    link.pattern = hook.when === "match" ? new RegExp(hook.pattern) : undefined;
    link.queue.resize(hook.queue_size);
    this.#links.set(hook.name, link);
    const id = `webhook:${hook.name}`;
    if (!hook.enabled) {
      await this.supervisor.stopChild(id);
      return;
    }
    await this.supervisor.startChild({
      id,
      kind: "permanent",
      create: () => new WebhookSenderActor(link.hook, { queue: link.queue, clock: this.#clock }),
    });
  }

  async #remove(name: string): Promise<void> {
    await this.supervisor.stopChild(`webhook:${name}`);
    this.#links.delete(name);
    this.#db?.clear(name);
  }

  #outbox(): WebhookOutboxDb {
    return this.#db ??= new WebhookOutboxDb(this.#o.outboxPath);
  }
}
