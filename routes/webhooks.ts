/**
 * Webhooks (`webhooks.json`): `GET/POST /api/webhooks`, `GET/PUT/DELETE /api/webhooks/<name>`.
 * Secrets are write-only (`has_secret` instead; a PUT without `secret` keeps the stored one); each
 * hook carries its live delivery `status`. Writes go to the desired state, whose webhook reconciler
 * restarts or stops the hook's sender before the write answers.
 */
import { Hono } from "hono";
import type { AppContext } from "./context.ts";
import { diskFullError, HttpError } from "./errors.ts";
import { jsonBody } from "./sources.ts";
import { parseWebhookBody, type WebhookConfig, webhookView } from "../storage/webhook_config.ts";
import { ConflictError, NotFoundError } from "../storage/errors.ts";

/** What the webhook routes use. */
export type WebhookRouteContext = Pick<AppContext, "webhooks" | "state">;

/** The routes. */
export function webhookRoutes(ctx: WebhookRouteContext): Hono {
  const app = new Hono();
  const { webhooks, state } = ctx;
  const view = (h: WebhookConfig) => ({
    ...webhookView(h),
    status: webhooks.status(h.name) ?? null,
  });
  const stored = (name: string) => {
    const h = state.webhook(name);
    if (!h) throw new HttpError(404, `no webhook ${JSON.stringify(name)}`);
    return h;
  };

  app.get("/api/webhooks", (c) => c.json(state.webhooks().map(view)));

  app.get("/api/webhooks/:name", (c) => c.json(view(stored(c.req.param("name")))));

  app.post("/api/webhooks", async (c) => {
    const hook = parseWebhookBody(await jsonBody(c.req.raw));
    await saved(() => state.createWebhook(hook));
    return c.json({ status: "created", webhook: view(hook) }, 201);
  });

  app.put("/api/webhooks/:name", async (c) => {
    const name = c.req.param("name");
    stored(name);
    const body = await jsonBody(c.req.raw);
    let hook: WebhookConfig | undefined;
    // Read against the stored hook under the name's lock, so a kept secret is the current one.
    await saved(async () => {
      hook = await state.updateWebhook(name, (base) => parseWebhookBody(body, base));
    });
    return c.json({ status: "updated", webhook: view(hook!) });
  });

  app.delete("/api/webhooks/:name", async (c) => {
    const name = c.req.param("name");
    await saved(() => state.deleteWebhook(name));
    return c.json({ status: "deleted", name });
  });

  return app;
}

/** 409 for a taken name, 404 for an unknown one, 507 for a full disk, 500 `save failed` else. */
async function saved(write: () => Promise<void>): Promise<void> {
  try {
    await write();
  } catch (err) {
    if (err instanceof HttpError || err instanceof RangeError) throw err;
    if (err instanceof ConflictError) throw new HttpError(409, err.message);
    if (err instanceof NotFoundError) throw new HttpError(404, err.message);
    const full = diskFullError(err, "webhook not saved");
    if (full) throw full;
    console.error(`webhooks.json: ${(err as Error).message}`);
    throw new HttpError(500, "save failed");
  }
}
