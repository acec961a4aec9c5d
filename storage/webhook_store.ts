/**
 * `webhooks.json` in the data dir: an array of hooks sorted by name, indent 2, written atomically
 * with mode 0600 (it holds the signing secrets). Entries the schema refuses are dropped at load and
 * each is logged with why; a file that is not JSON is moved aside, as `mqtt_configs.json` is.
 */
import { join } from "node:path";
import { writeFileAtomic } from "../actors/runtime/snapshot_store.ts";
import { ConflictError, NotFoundError } from "./errors.ts";
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

function byName(a: WebhookConfig, b: WebhookConfig): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

const KEY_ORDER = Object.keys(webhookFields.shape) as (keyof WebhookConfig)[];

/** The hooks of one data dir, cached in memory, written through on every change. */
export class WebhookStore {
  readonly path: string;
  #hooks = new Map<string, WebhookConfig>();
  #chain: Promise<void> = Promise.resolve();
  #locks = new Map<string, Promise<void>>();

  constructor(dataDir: string) {
    this.path = join(dataDir, WEBHOOKS_FILE);
  }

  /** Reads the file (a missing one is empty; one that is not JSON is moved aside and reported). */
  async load(): Promise<WebhookConfig[]> {
    let text: string;
    try {
      text = await Deno.readTextFile(this.path);
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return this.list();
      throw err;
    }
    try {
      this.#hooks = new Map(parseWebhooksFile(text).map((h) => [h.name, h]));
    } catch (err) {
      const aside = `${this.path}.unreadable-${Date.now()}`;
      await Deno.rename(this.path, aside);
      console.error(`${this.path} unreadable (${(err as Error).message}); moved to ${aside}`);
    }
    return this.list();
  }

  /** Every hook, sorted by name. */
  list(): WebhookConfig[] {
    return [...this.#hooks.values()].sort(byName);
  }

  /** One hook, or undefined. */
  get(name: string): WebhookConfig | undefined {
    return this.#hooks.get(name);
  }

  /** Adds a hook; an existing name is a ConflictError `name exists`. */
  async create(hook: WebhookConfig): Promise<void> {
    await this.#commit(() => {
      if (this.#hooks.has(hook.name)) {
        throw new ConflictError(`webhook ${JSON.stringify(hook.name)} exists`);
      }
      this.#hooks.set(hook.name, hook);
    });
  }

  /** Replaces a hook; an unknown name is a NotFoundError. */
  async replace(hook: WebhookConfig): Promise<void> {
    await this.#commit(() => {
      if (!this.#hooks.has(hook.name)) throw notFound(hook.name);
      this.#hooks.set(hook.name, hook);
    });
  }

  /** Removes a hook; an unknown name is a NotFoundError. */
  async remove(name: string): Promise<void> {
    await this.#commit(() => {
      if (!this.#hooks.has(name)) throw notFound(name);
      this.#hooks.delete(name);
    });
  }

  /** Runs `fn` alone for hook `name` (a change and its apply), other names do not wait. */
  exclusive<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const before = this.#locks.get(name) ?? Promise.resolve();
    const run = before.then(fn);
    const done = run.then(() => undefined, () => undefined);
    this.#locks.set(name, done);
    void done.then(() => {
      if (this.#locks.get(name) === done) this.#locks.delete(name);
    });
    return run;
  }

  /** Applies a change and writes the file; a failed write rolls memory back. */
  #commit(change: () => void): Promise<void> {
    const run = async () => {
      const before = new Map(this.#hooks);
      change();
      try {
        await writeFileAtomic(this.path, this.#serialise(), { mode: 0o600 });
      } catch (err) {
        this.#hooks = before;
        throw err;
      }
    };
    const next = this.#chain.then(run);
    this.#chain = next.then(() => undefined, () => undefined);
    return next;
  }

  #serialise(): string {
    const rows = this.list().map((h) => Object.fromEntries(KEY_ORDER.map((k) => [k, h[k]])));
    return JSON.stringify(rows, null, 2) + "\n";
  }
}

/** The 404 of an unknown hook. */
export function notFound(name: string): NotFoundError {
  return new NotFoundError(`no webhook ${JSON.stringify(name)}`);
}
