/**
 * WebSockets: `/ws_roi_result/<cam_id>` (one JSON message per frame, every client gets every
 * message through its own bounded buffer), `/ws_roi/<cam_id>` (raw JPEG frames) and `/ws/<cam_id>`
 * (half-size JPEG preview). A stop closes sockets with code 1000 and the reason `stopped`. A video
 * socket holds the lease of its cam_id's `roi_*` preview while it is open.
 */
import { Hono } from "hono";
import { upgradeWebSocket } from "hono/deno";
import type { AppContext } from "./context.ts";
import { checkCamId } from "./streams.ts";
import { frameJpeg } from "../actors/frame_jpeg.ts";
import { type Outline, previewJpeg } from "../actors/preview.ts";
import type { BusMessage } from "../actors/result_bus.ts";
import { metrics } from "../actors/metrics.ts";
import { mapShape } from "../inference_modules/page_geometry.ts";

/** WebSocket routes. */
export function wsRoutes(ctx: AppContext): Hono {
  const app = new Hono();
  let sockets = 0;

  app.get(
    "/ws_roi_result/:cam_id",
    upgradeWebSocket((c) => {
      const camId = checkCamId(c.req.param("cam_id") ?? "");
      const sub = ctx.bus.subscribe(camId);
      return {
        onOpen(_e, ws) {
          void (async () => {
            for (;;) {
              const m = await sub.next();
              if (!m) break;
              if (m.kind === "closed") {
                ws.close(1000, m.reason);
                break;
              }
              if (ws.readyState !== 1) break;
              ws.send(JSON.stringify(payload(m)));
            }
          })();
        },
        onClose() {
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
        let stop = () => {};
        let letGo = () => {};
        return {
          onOpen(_e, ws) {
            metrics.wsOpened(half ? "ws" : "ws_roi");
            // An open video socket holds the cam_id's leased preview (the ROI editor's page).
            letGo = ctx.sessions.holdLease(camId, `ws:${++sockets}`);
            stop = streamFrames(
              ctx,
              camId,
              half,
              (bytes) => ws.send(bytes),
              (reason) => ws.close(1000, reason),
            );
          },
          onClose() {
            metrics.wsClosed(half ? "ws" : "ws_roi");
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

/** Sends the newest frame of a cam_id's camera as JPEG whenever a new one arrives; returns the stop. */
function streamFrames(
  ctx: AppContext,
  camId: string,
  half: boolean,
  send: (bytes: Uint8Array<ArrayBuffer>) => void,
  close: (reason: string) => void,
): () => void {
  let running = true;
  void (async () => {
    let seq = -1;
    while (running) {
      const cameraId = ctx.sessions.cameraOf(camId);
      if (!cameraId) {
        close("no camera for this cam_id");
        return;
      }
      const frame = await ctx.cameras.nextFrame(cameraId, seq, 1_000);
      if (!running) return;
      if (!frame) {
        // The camera is restarting: wait a little instead of spinning.
        await new Promise((r) => setTimeout(r, 250));
        continue;
      }
      seq = frame.seq;
      const jpeg = half ? await previewJpeg(frame, outlinesOf(ctx, camId)) : await frameJpeg(frame);
      if (running) send(jpeg as Uint8Array<ArrayBuffer>);
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
