/** `$webhooks`: `/api/webhooks` with each hook's delivery status, polled every 3 s. */
import { polledStore } from "./polled.ts";
import type { WebhookView } from "./types.ts";

const polled = polledStore<WebhookView[]>("/api/webhooks", 3_000);

/** The webhooks store. */
export const $webhooks = polled.store;

/** Re-reads the webhooks now. */
export const refreshWebhooks = polled.refresh;
