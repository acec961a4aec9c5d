/**
 * The sender of one webhook: POSTs the head of the hook's queue, one delivery at a time, so the
 * receiver gets them in order. A 2xx takes the delivery off the queue; no answer, a timeout, a 5xx,
 * 408 or 429 is retried after a doubling delay (`retry_initial_s` … `retry_max_s`) for as long as
 * the delivery is in the queue; any other answer refuses it for good (counted as failed). Failed
 * deliveries are data (the queue's record), never a crash. Timeouts and delays run on the injected
 * clock, so a unit test drives them with a manual one.
 */
import { Actor, type Clock } from "../runtime/mod.ts";
import type { WebhookConfig } from "../../storage/webhook_config.ts";
import type { Delivery, WebhookQueue } from "./webhook_queue.ts";
import { retryable, retryDelayMs, signBody } from "./webhook_rules.ts";

/** Header names of a delivery. */
export const HEADERS = {
  signature: "X-VisionROI-Signature",
  timestamp: "X-VisionROI-Timestamp",
  delivery: "X-VisionROI-Delivery",
  hook: "X-VisionROI-Hook",
} as const;

/** The outcome of one attempt. */
export type AttemptResult =
  | { ok: true; status: number }
  | { ok: false; status?: number; error: string };

/** Messages of the sender. */
export type WebhookSenderMessage =
  | { type: "wake" }
  | { type: "attempt_done"; seq: number; result: AttemptResult }
  | { type: "retry_due" };

/** The sender's state, for the API. */
export interface WebhookSenderSnapshot {
  /** `idle` (queue empty), `sending` (an attempt in flight), `retrying` (waiting for the next try). */
  status: "idle" | "sending" | "retrying";
  /** Failed attempts in a row at the head. */
  attempt: number;
  /** When the next try starts, ms since the epoch. */
  next_retry_at: number | null;
}

/** What the sender is built with. */
export interface WebhookSenderOptions {
  queue: WebhookQueue;
  /** Time source [system clock]. */
  clock?: Clock;
}

/** One hook's sender. */
export class WebhookSenderActor extends Actor<WebhookSenderMessage, WebhookSenderSnapshot> {
  readonly hook: WebhookConfig;
  #queue: WebhookQueue;
  #inflight: AbortController | undefined;
  #timer: number | undefined;
  #wakeQueued = false;

  constructor(hook: WebhookConfig, opts: WebhookSenderOptions) {
    super(`webhook:${hook.name}`, { status: "idle", attempt: 0, next_retry_at: null }, {
      clock: opts.clock,
      mailbox: { overflow: (m) => (m.type === "wake" ? "drop-newest" : "block") },
    });
    this.hook = hook;
    this.#queue = opts.queue;
  }

  protected override onStart(): () => void {
    const off = this.#queue.onPush(() => this.#wake());
    this.#wake();
    return () => {
      off();
      this.#inflight?.abort(new Error("sender stopped"));
      if (this.#timer !== undefined) this.clock.clearTimeout(this.#timer);
    };
  }

  protected override receive(msg: WebhookSenderMessage): void {
    switch (msg.type) {
      case "wake":
        this.#wakeQueued = false;
        if (this.snapshot().status === "idle") this.#next();
        return;
      case "retry_due":
        this.#timer = undefined;
        this.#next();
        return;
      case "attempt_done":
        this.#done(msg.seq, msg.result);
        return;
    }
  }

  #wake(): void {
    if (this.#wakeQueued || this.ended) return;
    this.#wakeQueued = true;
    this.send({ type: "wake" }).catch(() => (this.#wakeQueued = false));
  }

  #next(): void {
    const d = this.#queue.head();
    if (!d) {
      this.update({ status: "idle", next_retry_at: null });
      return;
    }
    this.update({ status: "sending", next_retry_at: null });
    void this.#attempt(d).then(async (result) => {
      if (!this.ended) await this.send({ type: "attempt_done", seq: d.seq, result });
    }).catch(() => {/* the actor stopped meanwhile */});
  }

  #done(seq: number, result: AttemptResult): void {
    const at = this.clock.now();
    if (result.ok) {
      this.#queue.settle(seq, { delivered: true, status: result.status, at });
      this.update({ attempt: 0 });
      this.#next();
      return;
    }
    const head = this.#queue.head();
    if (!retryable(result.status) || head?.seq !== seq) {
      // Refused for good, or dropped from a full queue while in flight: go on with the next.
      this.#queue.settle(seq, { delivered: false, status: result.status, error: result.error, at });
      this.update({ attempt: 0 });
      this.#next();
      return;
    }
    this.#queue.retrying({ status: result.status, error: result.error, at });
    const attempt = this.snapshot().attempt + 1;
    const delay = retryDelayMs(attempt, {
      initialMs: this.hook.retry_initial_s * 1000,
      maxMs: this.hook.retry_max_s * 1000,
    });
    this.update({ status: "retrying", attempt, next_retry_at: at + delay });
    this.#timer = this.clock.setTimeout(() => {
      if (!this.ended) void this.send({ type: "retry_due" }).catch(() => {});
    }, delay);
  }

  /** One POST of `d`; never throws: every failure is described in words. */
  async #attempt(d: Delivery): Promise<AttemptResult> {
    const ctrl = new AbortController();
    this.#inflight = ctrl;
    const limitMs = this.hook.timeout_s * 1000;
    let timedOut = false;
    const timer = this.clock.setTimeout(() => {
      timedOut = true;
      ctrl.abort(new Error("timeout"));
    }, limitMs);
    const headers: Record<string, string> = {
      "content-type": "application/json",
      "user-agent": "VisionROI-Webhook/1",
      [HEADERS.delivery]: String(d.seq),
      [HEADERS.hook]: this.hook.name,
      [HEADERS.timestamp]: String(Math.floor(this.clock.now() / 1000)),
    };
    try {
      if (this.hook.secret) headers[HEADERS.signature] = await signBody(this.hook.secret, d.body);
      const res = await fetch(this.hook.url, {
        method: "POST",
        headers,
        body: d.body,
        redirect: "manual",
        signal: ctrl.signal,
      });
      const text = await res.text().catch(() => "");
      if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status };
      const why = res.status >= 300 && res.status < 400
        ? " (redirects are not followed)"
        : text.trim()
        ? `: ${text.trim().slice(0, 200)}`
        : "";
      return { ok: false, status: res.status, error: `HTTP ${res.status}${why}` };
    } catch (err) {
      if (timedOut) return { ok: false, error: `no answer within ${this.hook.timeout_s} s` };
      return { ok: false, error: describe(err) };
    } finally {
      this.clock.clearTimeout(timer);
      if (this.#inflight === ctrl) this.#inflight = undefined;
    }
  }
}

/** A fetch failure in words, without the URL (it may carry credentials). */
function describe(err: unknown): string {
  const e = err as Error & { cause?: { message?: string } };
  // Deno puts the reason in the cause ("fetch failed" says nothing).
  const msg = `${e?.message ?? err} ${e?.cause?.message ?? ""}`;
  if (/Connection refused|ECONNREFUSED/i.test(msg)) return "connection refused";
  if (/dns error|failed to lookup|Name or service not known/i.test(msg)) {
    return "host name not found";
  }
  if (/certificate|tls|ssl/i.test(msg)) return `TLS failed: ${clean(msg)}`;
  if (/reset|connection closed|broken pipe|EOF/i.test(msg)) {
    return "connection closed by the receiver";
  }
  if (/timed out/i.test(msg)) return "connection timed out";
  return clean(msg);
}

function clean(msg: string): string {
  return msg.replace(/\(?https?:\/\/[^\s)]*\)?/g, "").replace(/\s+/g, " ").trim().slice(0, 200);
}
