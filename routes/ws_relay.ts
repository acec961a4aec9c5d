/**
 * Cluster mode: `/ws/<cam_id>` and `/ws_roi/<cam_id>` of a job another node runs are relayed from
 * that node's same socket, so a page on any node shows every camera's video. The client's
 * `authorization` and `cookie` headers go along (nodes that require a token must share it).
 */
import type { AppContext } from "./context.ts";
import type { WsSender } from "./ws_sender.ts";

/** The HTTP address of the node that runs a cam_id's job, when another node does. */
export function ownerUrl(ctx: AppContext, camId: string): string | undefined {
  const remote = ctx.cluster?.placement.elsewhere().get(camId);
  if (!ctx.cluster || !remote?.owner) return undefined;
  const node = ctx.cluster.view().nodes.find((n) => n.id === remote.owner);
  return node?.url || undefined;
}

/** Relays the owner's video socket to `out`; returns the stop. */
export function relayFrames(
  url: string,
  out: WsSender,
  headers: Record<string, string>,
): () => void {
  // Deno's WebSocket takes handshake headers (non-standard); the DOM typings in scope lack them.
  const upstream = new WebSocket(url, { headers } as unknown as string[]);
  upstream.binaryType = "arraybuffer";
  upstream.onmessage = (e) => {
    if (!(e.data instanceof ArrayBuffer)) return;
    if (out.backlogged) out.skip();
    else out.send(new Uint8Array(e.data));
  };
  upstream.onclose = (e) => {
    if (!out.closed) out.close(e.code === 1005 ? 1000 : e.code, e.reason || "stopped");
  };
  upstream.onerror = () => {
    if (!out.closed) out.close(1012, "stream_outage");
  };
  return () => {
    if (upstream.readyState <= WebSocket.OPEN) upstream.close();
  };
}
