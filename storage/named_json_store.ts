/**
 * A JSON file in the data dir holding entries keyed by `name`: an array sorted by name, indent 2,
 * written atomically with mode 0600 (such files hold passwords and secrets). The entries are cached
 * in memory and written through on every change; a failed write rolls memory back. The MQTT
 * configs and the webhooks are both kept this way.
 */
import { join } from "node:path";
import { writeFileAtomic } from "../actors/runtime/snapshot_store.ts";

/** What differs between two named-entry files. */
export interface NamedJsonStoreOptions<T extends { name: string }> {
  /** The file name inside the data dir. */
  file: string;
  /** Parses the file's text into entries; throws when the text is not usable at all. */
  parse: (text: string) => T[];
  /** The keys written for each entry, in this order. */
  keyOrder: readonly (keyof T)[];
  /** The error of a create whose name exists. */
  exists: (name: string) => Error;
  /** The error of a replace or remove whose name is unknown. */
  notFound: (name: string) => Error;
}

/** Orders entries by name (code-unit order, as the files are written). */
export function byName(a: { name: string }, b: { name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** The named entries of one file, cached in memory, written through on every change. */
export class NamedJsonStore<T extends { name: string }> {
  readonly path: string;
  #opts: NamedJsonStoreOptions<T>;
  #entries = new Map<string, T>();
  #chain: Promise<void> = Promise.resolve();
  #locks = new Map<string, Promise<void>>();

  constructor(dataDir: string, opts: NamedJsonStoreOptions<T>) {
    this.path = join(dataDir, opts.file);
    this.#opts = opts;
  }

  /** Reads the file (a missing one is empty; one that cannot be parsed is moved aside and reported). */
  async load(): Promise<T[]> {
    let text: string;
    try {
      text = await Deno.readTextFile(this.path);
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return this.list();
      throw err;
    }
    try {
      this.#entries = new Map(this.#opts.parse(text).map((e) => [e.name, e]));
    } catch (err) {
      // Keep the broken file aside: the next save would otherwise overwrite what is in it.
      const aside = `${this.path}.unreadable-${Date.now()}`;
      await Deno.rename(this.path, aside);
      console.error(`${this.path} unreadable (${(err as Error).message}); moved to ${aside}`);
    }
    return this.list();
  }

  /** Every entry, sorted by name. */
  list(): T[] {
    return [...this.#entries.values()].sort(byName);
  }

  /** One entry, or undefined. */
  get(name: string): T | undefined {
    return this.#entries.get(name);
  }

  /** Adds an entry; an existing name is the `exists` error. */
  async create(entry: T): Promise<void> {
    await this.#commit(() => {
      if (this.#entries.has(entry.name)) throw this.#opts.exists(entry.name);
      this.#entries.set(entry.name, entry);
    });
  }

  /** Replaces an entry; an unknown name is the `notFound` error. */
  async replace(entry: T): Promise<void> {
    await this.#commit(() => {
      if (!this.#entries.has(entry.name)) throw this.#opts.notFound(entry.name);
      this.#entries.set(entry.name, entry);
    });
  }

  /** Removes an entry; an unknown name is the `notFound` error. */
  async remove(name: string): Promise<void> {
    await this.#commit(() => {
      if (!this.#entries.has(name)) throw this.#opts.notFound(name);
      this.#entries.delete(name);
    });
  }

  /**
   * Runs `fn` alone for entry `name`: a change and what follows it (say, its connection started or
   * closed) finish before the next change of the same name begins, so the file and what runs from
   * it agree. Other names do not wait.
   */
  exclusive<R>(name: string, fn: () => Promise<R>): Promise<R> {
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
      const before = new Map(this.#entries);
      change(); // throws before anything changed when the request is refused
      try {
        await writeFileAtomic(this.path, this.#serialise(), { mode: 0o600 });
      } catch (err) {
        this.#entries = before;
        throw err;
      }
    };
    const next = this.#chain.then(run);
    // The caller gets the failure; the chain only has to stay usable for the next change.
    this.#chain = next.then(() => undefined, () => undefined);
    return next;
  }

  #serialise(): string {
    const keys = this.#opts.keyOrder;
    const rows = this.list().map((e) => Object.fromEntries(keys.map((k) => [k, e[k]])));
    return JSON.stringify(rows, null, 2) + "\n";
  }
}
