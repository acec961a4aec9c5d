/**
 * WebSockets: `/ws_roi_result/<cam_id>` (one JSON message per frame, every client gets every
 * message through its own bounded buffer), `/ws_roi/<cam_id>` (raw JPEG frames) and `/ws/<cam_id>`
 * (half-size JPEG preview). A stop closes sockets with code 1000 and the reason `stopped`; a video
 * socket on a cam_id where nothing runs closes at once with VisionROI's 1012 `stream_outage`.
 * Every write goes through a {@linkcode WsSender}: a client holds at most `--ws-buffer` bytes,
 * drops are counted, and one that reads nothing is closed with 1008.
 * A video socket holds the lease of its cam_id's `roi_*` preview while it is open.
 */
import { Hono } from "hono";
import { upgradeWebSocket } from "hono/deno";
import type { AppContext } from "./context.ts";
import { checkCamId } from "./streams.ts";
import { frameJpeg } from "../actors/cameras/frame_jpeg.ts";
import { type Outline, previewJpeg } from "../actors/cameras/preview.ts";
import type { BusMessage } from "../actors/jobs/result_bus.ts";
import { metrics } from "../actors/results/metrics.ts";
import { mapShape } from "../inference_modules/page_geometry.ts";
import { type KeepPolicy, WsSender } from "./ws_sender.ts";
import { ownerUrl, relayFrames } from "./ws_relay.ts";

/** WebSocket routes. */
export function wsRoutes(ctx: AppContext): Hono {
  const app = new Hono();
  let sockets = 0;

  app.get(
    "/ws_roi_result/:cam_id",
    upgradeWebSocket((c) => {
      const camId = checkCamId(c.req.param("cam_id") ?? "");
      const sub = ctx.bus.subscribe(camId);
      let sender: WsSender | undefined;
      return {
        onOpen(_e, ws) {
          const out = sender = senderFor(ctx, ws.raw!, {
            keep: "all",
            onDrop: (n) => sub.countDropped(n),
            onStalled: (reason) => {
              console.error(`/ws_roi_result/${camId}: ${reason}`);
              sub.close();
            },
          });
          void (async () => {
            for (;;) {
              const m = await sub.next();
              if (!m || out.closed) break;
              if (m.kind === "closed") {
                out.close(1000, m.reason);
                break;
              }
              out.send(JSON.stringify(payload(m)));
            }
            // A socket Deno closed (keepalive) stops buffering here too, not only at TCP close.
            sub.close();
          })();
        },
        onClose() {
          sender?.dispose();
          sub.close();
        },
      };
    }),
  );

  for (const [path, half] of [["/ws_roi/:cam_id", false], ["/ws/:cam_id", true]] as const) {
    app.get(
      path,
      upgradeWebSocket((c) => {
        const camId = checkCamId(c.req.param("cam_id") ?? "");
        const stream = half ? "ws" : "ws_roi";
        const forwarded: Record<string, string> = {};
        for (const h of ["authorization", "cookie"]) {
          const v = c.req.header(h);
          if (v) forwarded[h] = v;
        }
        let stop = () => {};
        let sender: WsSender | undefined;
        let letGo = () => {};
        return {
          onOpen(_e, ws) {
            metrics.wsOpened(stream);
            // An open video socket holds the cam_id's leased preview (the ROI editor's page).
            letGo = ctx.sessions.holdLease(camId, `ws:${++sockets}`);
            sender = senderFor(ctx, ws.raw!, {
              keep: "latest",
              onDrop: (n) => metrics.wsMessagesDropped(stream, n),
              onStalled: (reason) => {
                console.error(`/${stream}/${camId}: ${reason}`);
                stop();
              },
            });
            const out = sender;
            // Cluster mode: a job another node runs is shown from that node's socket.
            const url = ctx.cluster && !ctx.sessions.cameraOf(camId)
              ? ownerUrl(ctx, camId)
              : undefined;
            stop = url
              ? relayFrames(
                `${url.replace(/^http/, "ws")}/${stream}/${encodeURIComponent(camId)}`,
                out,
                forwarded,
              )
              : streamFrames(ctx, camId, half, out);
          },
          onClose() {
            metrics.wsClosed(stream);
            sender?.dispose();
            letGo();
            stop();
          },
        };
      }),
    );
  }

  return app;
}

function payload(m: Exclude<BusMessage, { kind: "closed" }>) {
  return m.kind === "result" ? m.result : m.group;
}

/** A bounded sender on a client's socket, sized by the config. */
function senderFor(
  ctx: AppContext,
  socket: WebSocket,
  opts: { keep: KeepPolicy; onDrop: (n: number) => void; onStalled: (reason: string) => void },
): WsSender {
  return new WsSender(socket, {
    maxBytes: ctx.config.wsBufferBytes,
    stallCloseMs: ctx.config.wsStallTimeoutS * 1000,
    ...opts,
  });
}

/**
 * Sends the newest frame of a cam_id's camera as JPEG whenever a new one arrives; returns the stop.
 * While the client is behind a frame is counted as dropped instead of encoded.
 */
function streamFrames(
  ctx: AppContext,
  camId: string,
  half: boolean,
  out: WsSender,
): () => void {
  let running = true;
  void (async () => {
    let seq = -1;
    let first = true;
    while (running && !out.closed) {
      const cameraId = ctx.sessions.cameraOf(camId);
      if (!cameraId) {
        // Nothing runs on this cam_id: VisionROI's outage close, so its UI retries until a job
        // starts; a stream that was running ended by a stop.
        if (first) out.close(1012, "stream_outage");
        else out.close(1000, "stopped");
        return;
      }
      first = false;
      const frame = await ctx.cameras.nextFrame(cameraId, seq, 1_000);
      if (!running) return;
      if (!frame) {
        // The camera is restarting: wait a little instead of spinning.
        await new Promise((r) => setTimeout(r, 250));
        continue;
      }
      seq = frame.seq;
      if (out.backlogged) {
        out.skip();
        continue;
      }
      const jpeg = half ? await previewJpeg(frame, outlinesOf(ctx, camId)) : await frameJpeg(frame);
      if (running) out.send(jpeg as Uint8Array<ArrayBuffer>);
    }
  })();
  return () => (running = false);
}

/** The outlines of a cam_id's running job (none without a job); a detected page is drawn where it is now. */
function outlinesOf(ctx: AppContext, camId: string): Outline[] {
  const config = ctx.jobs.config(camId);
  if (!config) return [];
  const found = config.group === null ? ctx.jobs.snapshot(camId)?.detected_page : null;
  return config.rois
    .filter((r) =>
      (r.type === "roi" || (r.type === "page" && config.drawPageBoxes)) && Array.isArray(r.points)
    )
    .map((r) => ({
      points: r.type === "page" && found && found.id === String(r.id)
        ? found.points
        : r.type === "roi" && found?.transform && r.group === found.page
        ? mapShape(found.transform, r.points) as { x: number; y: number }[]
        : r.points as { x: number; y: number }[],
      label: String(r.id),
      kind: r.type === "page" ? "page" as const : "roi" as const,
    }));
}
