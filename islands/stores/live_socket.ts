/**
 * A WebSocket that reconnects with backoff until closed by its owner. The URL follows the page's
 * scheme (wss under https). A close with code 1000 `stopped` (the job ended) is reported as such
 * and retried like any other close, so a page still open reattaches when the job is started again
 * (by this tab, another tab or the API).
 */
import { backoffDelay } from "./backoff.ts";

/** What a live socket reports. */
export type SocketState = "connecting" | "open" | "stopped" | "retrying" | "closed";

/** The ws:// or wss:// URL of a path on this server. */
export function wsUrl(path: string, loc: { protocol: string; host: string } = location): string {
  return `${loc.protocol === "https:" ? "wss" : "ws"}://${loc.host}${path}`;
}

/** Options of {@linkcode openLiveSocket}. */
export interface LiveSocketOptions {
  /** Called with each message (text as string, binary as Blob). */
  onMessage: (data: string | Blob) => void;
  /** Called when the state changes; `detail` is the close reason. */
  onState?: (state: SocketState, detail?: string) => void;
  /** The server to reach [the page's `location`]. */
  origin?: { protocol: string; host: string };
}

/** Opens `path` and keeps it open; returns the close function. */
export function openLiveSocket(path: string, opts: LiveSocketOptions): () => void {
  let ws: WebSocket | undefined;
  let attempt = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  const connect = () => {
    opts.onState?.("connecting");
    ws = new WebSocket(wsUrl(path, opts.origin));
    ws.binaryType = "blob";
    ws.onopen = () => opts.onState?.("open");
    ws.onmessage = (e) => {
      // Backoff restarts only once data flows: a cam_id where nothing runs yet accepts and closes
      // at once (1012 `stream_outage`), and must not be retried every 0.5 s.
      attempt = 0;
      opts.onMessage(e.data);
    };
    ws.onclose = (e) => {
      if (closed) return;
      const stopped = e.code === 1000 && e.reason === "stopped";
      opts.onState?.(stopped ? "stopped" : "retrying", e.reason || `code ${e.code}`);
      timer = setTimeout(connect, backoffDelay(attempt++));
    };
  };
  connect();
  return () => {
    closed = true;
    clearTimeout(timer);
    ws?.close(1000, "client closed");
    opts.onState?.("closed");
  };
}
