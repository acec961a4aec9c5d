/**
 * `webhooks.json` in the data dir: an array of hooks sorted by name, indent 2, written atomically
 * with mode 0600 (it holds the signing secrets). Entries the schema refuses are dropped at load and
 * each is logged with why; a file that is not JSON is moved aside, as `mqtt_configs.json` is.
 */
import { ConflictError, NotFoundError } from "./errors.ts";
import { byName, NamedJsonStore } from "./named_json_store.ts";
import { parseWebhookBody, type WebhookConfig, webhookFields } from "./webhook_config.ts";

/** The file name inside the data dir. */
export const WEBHOOKS_FILE = "webhooks.json";

/** Parses the file's text; bad entries are reported through `log` and dropped. */
export function parseWebhooksFile(
  text: string,
  log: (line: string) => void = (l) => console.error(l),
): WebhookConfig[] {
  const parsed = JSON.parse(text);
  if (!Array.isArray(parsed)) throw new SyntaxError("expected a JSON array of webhooks");
  const out = new Map<string, WebhookConfig>();
  parsed.forEach((raw, i) => {
    try {
      if (!raw || typeof raw !== "object") throw new RangeError("invalid entry: not an object");
      const hook = parseWebhookBody(raw as Record<string, unknown>);
      out.set(hook.name, hook);
    } catch (err) {
      log(`${WEBHOOKS_FILE}: entry ${i + 1} skipped: ${(err as Error).message}`);
    }
  });
  return [...out.values()].sort(byName);
}

const KEY_ORDER = Object.keys(webhookFields.shape) as (keyof WebhookConfig)[];

/** The hooks of one data dir, cached in memory, written through on every change. */
export class WebhookStore extends NamedJsonStore<WebhookConfig> {
  constructor(dataDir: string) {
    super(dataDir, {
      file: WEBHOOKS_FILE,
      parse: (text) => parseWebhooksFile(text),
      keyOrder: KEY_ORDER,
      exists: (name) => new ConflictError(`webhook ${JSON.stringify(name)} exists`),
      notFound,
    });
  }
}

/** The 404 of an unknown hook. */
export function notFound(name: string): NotFoundError {
  return new NotFoundError(`no webhook ${JSON.stringify(name)}`);
}
