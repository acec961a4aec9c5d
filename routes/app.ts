/** The Hono app: one sub-app per resource, one error handler. */
import { Hono } from "hono";
import type { AppContext } from "./context.ts";
import { onError } from "./errors.ts";
import { accessControl, policyOf } from "./auth.ts";
import { loginRoutes } from "./login.ts";
import { metricsRoutes } from "./metrics.ts";
import { openApiRoutes } from "./openapi.ts";
import { opsRoutes } from "./ops.ts";
import { clusterRoutes } from "./cluster.ts";
import { uiRoutes } from "./ui.ts";
import { moduleRoutes } from "./modules.ts";
import { sourceRoutes } from "./sources.ts";
import { streamRoutes } from "./streams.ts";
import { inferenceRoutes } from "./inference.ts";
import { wsRoutes } from "./ws.ts";
import { readRoutes } from "./read.ts";
import { roiRoutes } from "./rois.ts";
import { logRoutes } from "./logs.ts";
import { mqttRoutes } from "./mqtt.ts";
import { webhookRoutes } from "./webhooks.ts";
import { bodyLimit } from "hono/body-limit";
import { batchRoutes } from "./batch.ts";
import { resultsRoutes } from "./results.ts";

/** Largest request body outside uploads (page templates travel as base64 inside ROI lists). */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** Builds the app over a running system. */
export function createApp(ctx: AppContext): Hono {
  const app = new Hono();
  app.onError(onError);
  app.notFound((c) =>
    c.json({ status: "error", message: `no route ${c.req.method} ${c.req.path}` }, 404)
  );
  // First: origin checks always, the token off loopback (routes/auth.ts).
  const policy = policyOf(ctx);
  app.use("*", accessControl(policy));
  app.use("*", async (c, next) => {
    // /api/read and batch uploads carry their own, larger limits.
    if (c.req.path === "/api/read" || c.req.path.startsWith("/api/batch")) return await next();
    return await bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) =>
        c.json({ status: "error", message: `body is larger than ${MAX_BODY_BYTES} bytes` }, 413),
    })(c, next);
  });
  app.route("/", loginRoutes(policy));
  app.route("/", openApiRoutes(undefined, { signOut: policy.required }));
  app.route("/", metricsRoutes(ctx));
  app.route("/", opsRoutes(ctx));
  app.route("/", clusterRoutes(ctx));
  app.route("/", sourceRoutes(ctx));
  app.route("/", streamRoutes(ctx));
  app.route("/", inferenceRoutes(ctx));
  app.route("/", wsRoutes(ctx));
  app.route(
    "/",
    readRoutes({ pool: ctx.pool, registry: ctx.modules, maxBodyBytes: 20 * 1024 * 1024 }),
  );
  app.route("/", roiRoutes(ctx));
  app.route("/", logRoutes(ctx));
  app.route("/", batchRoutes(ctx));
  app.route("/", resultsRoutes(ctx));
  app.route("/", mqttRoutes(ctx));
  app.route("/", webhookRoutes(ctx));
  app.route("/", moduleRoutes(ctx));
  app.route("/", uiRoutes(policy));
  return app;
}
