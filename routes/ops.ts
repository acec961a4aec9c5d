/** Health and shutdown. */
import { Hono } from "hono";
import type { AppContext } from "./context.ts";

/** `GET /_healthz`, `POST /_quit`. */
export function opsRoutes(ctx: AppContext): Hono {
  const app = new Hono();
  let quitting = false;

  app.get("/_healthz", (c) => c.text("ok"));

  app.post("/_quit", (c) => {
    if (quitting) return c.text("already shutting down", 202);
    quitting = true;
    // Answer first; stopping actors and children happens right after.
    setTimeout(() => void ctx.shutdown(), 10);
    return c.text("shutting down", 202);
  });

  return app;
}
