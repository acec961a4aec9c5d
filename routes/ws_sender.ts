/**
 * The one way server code writes to a WebSocket client. `WebSocket.send()` never refuses: what the
 * peer does not read piles up in the socket's send queue (`bufferedAmount`) without limit, so a
 * client that stops reading grew the server by hundreds of MB a minute. A sender holds at most
 * `maxBytes` per client: it passes a message to the socket while the socket's unsent bytes stay
 * within half of it, keeps later messages here (droppable, unlike the socket's queue) within the
 * rest, drops the oldest waiting ones beyond that (counted), and closes with 1008 a client that has
 * drained nothing for `stallCloseMs` while messages wait.
 */
import { type Clock, systemClock, type TimerId } from "../actors/runtime/clock.ts";

/** What a sender writes to: a server-side WebSocket (Deno's, as Hono's `ws.raw` is). */
export interface SenderSocket {
  /** 1 while open. */
  readonly readyState: number;
  /** Bytes passed to `send` that the socket has not written yet. */
  readonly bufferedAmount: number;
  /** Queues one message. */
  send(data: string | Uint8Array<ArrayBuffer>): void;
  /** Starts the closing handshake. */
  close(code?: number, reason?: string): void;
}

/** What waits while the socket is full: only the newest message (video) or as many as fit (results). */
export type KeepPolicy = "latest" | "all";

/** Options of a {@linkcode WsSender}. */
export interface WsSenderOptions {
  /** Most bytes held for the client, socket queue plus waiting messages [2 MiB]. */
  maxBytes?: number;
  /** `latest`: one waiting message, newer replaces older; `all`: oldest dropped past maxBytes [all]. */
  keep?: KeepPolicy;
  /** How long a client may drain nothing while messages wait before a 1008 close, ms [30000]. */
  stallCloseMs?: number;
  /** How often waiting messages are retried, ms [100]. */
  pollMs?: number;
  /** Timers and time [the system clock]. */
  clock?: Clock;
  /** Called with the number of messages just dropped (metrics). */
  onDrop?: (n: number) => void;
  /** Called once after a stalled client was closed with 1008, so its producer stops. */
  onStalled?: (reason: string) => void;
}

/** The code a stalled client is closed with (policy violation). */
export const STALL_CLOSE_CODE = 1008;

interface Waiting {
  data: string | Uint8Array<ArrayBuffer>;
  size: number;
}

/** Bounded, drop-counting writes to one WebSocket client. */
export class WsSender {
  #ws: SenderSocket;
  #maxBytes: number;
  #socketBytes: number;
  #keep: KeepPolicy;
  #stallCloseMs: number;
  #pollMs: number;
  #clock: Clock;
  #onDrop: (n: number) => void;
  #onStalled: (reason: string) => void;
  #waiting: Waiting[] = [];
  #waitingBytes = 0;
  #timer: TimerId | undefined;
  #lastBuffered = 0;
  #lastDrain: number;
  #done = false;
  /** Messages dropped for this client so far. */
  dropped = 0;

  constructor(ws: SenderSocket, opts: WsSenderOptions = {}) {
    this.#ws = ws;
    this.#maxBytes = opts.maxBytes ?? 2 * 1024 ** 2;
    // A short socket queue keeps what a slow client gets fresh: only waiting messages can drop.
    this.#socketBytes = Math.floor(this.#maxBytes / 2);
    this.#keep = opts.keep ?? "all";
    this.#stallCloseMs = opts.stallCloseMs ?? 30_000;
    this.#pollMs = opts.pollMs ?? 100;
    this.#clock = opts.clock ?? systemClock;
    this.#onDrop = opts.onDrop ?? (() => {});
    this.#onStalled = opts.onStalled ?? (() => {});
    this.#lastDrain = this.#clock.now();
  }

  /** True while a message waits for the socket to drain (a producer may skip making the next one). */
  get backlogged(): boolean {
    return this.#waiting.length > 0;
  }

  /** True once closed (by {@linkcode close}, a stall, or the socket going away). */
  get closed(): boolean {
    return this.#done;
  }

  /** Sends `data` now if the client's bytes allow it, else keeps it (dropping older ones). */
  send(data: string | Uint8Array<ArrayBuffer>): void {
    if (this.#done) return;
    const size = typeof data === "string" ? utf8Length(data) : data.byteLength;
    this.#waiting.push({ data, size });
    this.#waitingBytes += size;
    this.#pump();
  }

  /** Counts a message the producer did not make because the client was behind; checks for a stall. */
  skip(): void {
    if (this.#done) return;
    this.#dropped(1);
    this.#pump();
  }

  /** Sends what waits (it is bounded) and closes with `code` and `reason`. */
  close(code: number, reason: string): void {
    if (this.#done) return;
    const waiting = this.#waiting;
    this.dispose();
    if (this.#ws.readyState !== 1) return;
    for (const m of waiting) this.#ws.send(m.data);
    this.#ws.close(code, reason);
  }

  /** Forgets waiting messages and stops retrying (the socket closed). */
  dispose(): void {
    this.#done = true;
    this.#waiting = [];
    this.#waitingBytes = 0;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #pump(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#done) return;
    const ws = this.#ws;
    if (ws.readyState !== 1) return this.dispose();
    const now = this.#clock.now();
    let buffered = ws.bufferedAmount;
    // The socket's queue only shrinks when the peer reads, so a smaller value than after our last
    // send is the client draining.
    if (buffered === 0 || buffered < this.#lastBuffered) this.#lastDrain = now;
    while (this.#waiting.length > 0) {
      const next = this.#waiting[0];
      if (buffered > 0 && buffered + next.size > this.#socketBytes) break;
      this.#waiting.shift();
      this.#waitingBytes -= next.size;
      ws.send(next.data);
      buffered = ws.bufferedAmount;
    }
    this.#lastBuffered = buffered;
    if (this.#waiting.length === 0) return;
    let n = 0;
    while (
      this.#waiting.length > 1 &&
      (this.#keep === "latest" || buffered + this.#waitingBytes > this.#maxBytes)
    ) {
      this.#waitingBytes -= this.#waiting.shift()!.size;
      n++;
    }
    if (n > 0) this.#dropped(n);
    const idle = now - this.#lastDrain;
    if (idle >= this.#stallCloseMs) {
      const reason = `client not reading: nothing drained for ${Math.round(idle / 1000)} s, ` +
        `${this.dropped} messages dropped`;
      this.dispose();
      ws.close(STALL_CLOSE_CODE, reason);
      this.#onStalled(reason);
      return;
    }
    this.#timer = this.#clock.setTimeout(() => this.#pump(), this.#pollMs);
  }

  #dropped(n: number): void {
    this.dropped += n;
    this.#onDrop(n);
  }
}

/** UTF-8 length of a string without encoding it (what the socket will count). */
export function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff) {
      i++; // a surrogate pair: 2 units, 4 bytes
      n += 2;
    } else n += 2;
  }
  return n;
}
