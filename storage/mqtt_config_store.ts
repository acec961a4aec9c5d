/**
 * `mqtt_configs.json` in the data dir, VisionROI's format (§2.3): an array sorted by name, indent 2,
 * non-ASCII kept. Written atomically with mode 0600 (it holds passwords). The loader also takes
 * VisionROI's `{name: cfg}` dict form and drops entries without name or host.
 */
import { join } from "node:path";
import { writeFileAtomic } from "../actors/runtime/snapshot_store.ts";
import { ConflictError, NotFoundError } from "./errors.ts";
import { type MqttConfig, normaliseStored } from "./mqtt_config.ts";

/** The file name, as VisionROI names it. */
export const MQTT_CONFIGS_FILE = "mqtt_configs.json";

/** VisionROI's key order, then ours. */
const KEY_ORDER: (keyof MqttConfig)[] = [
  "name",
  "host",
  "port",
  "username",
  "password",
  "base_topic",
  "client_id",
  "qos",
  "retain",
  "keepalive",
  "publish_timeout",
  "tls",
  "tls_ca_file",
  "tls_cert_file",
  "tls_key_file",
  "tls_insecure",
  "outbox_size",
  "ha_discovery",
  "ha_prefix",
  "control",
];

/** Parses the file's text: a list or a `{name: cfg}` dict; bad entries are dropped. */
export function parseMqttConfigsFile(text: string): MqttConfig[] {
  const parsed = JSON.parse(text);
  const entries: [unknown, string | undefined][] = Array.isArray(parsed)
    ? parsed.map((e) => [e, undefined])
    : parsed && typeof parsed === "object"
    ? Object.entries(parsed).map(([k, v]) => [v, k])
    : [];
  const out = new Map<string, MqttConfig>();
  for (const [raw, hint] of entries) {
    const cfg = normaliseStored(raw, hint);
    if (cfg) out.set(cfg.name, cfg);
  }
  return [...out.values()].sort(byName);
}

function byName(a: MqttConfig, b: MqttConfig): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** The configs of one data dir, cached in memory, written through on every change. */
export class MqttConfigStore {
  readonly path: string;
  #configs = new Map<string, MqttConfig>();
  #chain: Promise<void> = Promise.resolve();
  #locks = new Map<string, Promise<void>>();

  constructor(dataDir: string) {
    this.path = join(dataDir, MQTT_CONFIGS_FILE);
  }

  /** Reads the file (a missing one is empty; a corrupt one is moved aside and reported). */
  async load(): Promise<MqttConfig[]> {
    let text: string;
    try {
      text = await Deno.readTextFile(this.path);
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return this.list();
      throw err;
    }
    try {
      this.#configs = new Map(parseMqttConfigsFile(text).map((c) => [c.name, c]));
    } catch (err) {
      // Keep the broken file aside: the next save would otherwise overwrite what is in it.
      const aside = `${this.path}.unreadable-${Date.now()}`;
      await Deno.rename(this.path, aside);
      console.error(`${this.path} unreadable (${(err as Error).message}); moved to ${aside}`);
    }
    return this.list();
  }

  /** Every config, sorted by name. */
  list(): MqttConfig[] {
    return [...this.#configs.values()].sort(byName);
  }

  /** One config, or undefined. */
  get(name: string): MqttConfig | undefined {
    return this.#configs.get(name);
  }

  /** Adds a config; an existing name is VisionROI's 400 `name exists`. */
  async create(cfg: MqttConfig): Promise<void> {
    await this.#commit(() => {
      if (this.#configs.has(cfg.name)) throw new ConflictError("name exists");
      this.#configs.set(cfg.name, cfg);
    });
  }

  /** Replaces a config; unknown names are 404 `not found`. */
  async replace(cfg: MqttConfig): Promise<void> {
    await this.#commit(() => {
      if (!this.#configs.has(cfg.name)) throw new NotFoundError("not found");
      this.#configs.set(cfg.name, cfg);
    });
  }

  /** Removes a config; unknown names are 404 `not found`. */
  async remove(name: string): Promise<void> {
    await this.#commit(() => {
      if (!this.#configs.has(name)) throw new NotFoundError("not found");
      this.#configs.delete(name);
    });
  }

  /**
   * Runs `fn` alone for config `name`: a change and what follows it (its connection started or
   * closed) finish before the next change of the same name begins, so the file and the running
   * connections agree. Other names do not wait.
   */
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

  /** Applies a change and writes the file; a failed write rolls memory back (VisionROI did not). */
  #commit(change: () => void): Promise<void> {
    const run = async () => {
      const before = new Map(this.#configs);
      change(); // throws before anything changed when the request is refused
      try {
        await writeFileAtomic(this.path, this.#serialise(), { mode: 0o600 });
      } catch (err) {
        this.#configs = before;
        throw err;
      }
    };
    const next = this.#chain.then(run);
    // The caller gets the failure; the chain only has to stay usable for the next change.
    this.#chain = next.then(() => undefined, () => undefined);
    return next;
  }

  #serialise(): string {
    const rows = this.list().map((c) => Object.fromEntries(KEY_ORDER.map((k) => [k, c[k]])));
    return JSON.stringify(rows, null, 2) + "\n";
  }
}
