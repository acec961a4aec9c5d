/**
 * Login sessions: the login cookie holds a random session id, never the access token. The server
 * keeps only SHA-256 hashes of the ids, in `<dataDir>/.visionroi/.sessions.json` (mode 0600), bound to a
 * fingerprint of the token: a new token (the old `.access_token` deleted) drops every session, at
 * the next start or, on a running server, within a second of the file disappearing or changing.
 */
import { join } from "node:path";
import { createHash } from "node:crypto";
import { writeFileAtomic } from "../actors/runtime/snapshot_store.ts";
import { generateToken, TOKEN_FILE } from "./token_store.ts";
import { ownDir } from "./own_dir.ts";

/** File name of the session table inside the data dir. */
export const SESSIONS_FILE = ".sessions.json";

/** Options of a {@linkcode SessionStore}; defaults in brackets. */
export interface SessionStoreOptions {
  /** Data dir holding `.access_token` and `.sessions.json` [none: memory only, no file checks]. */
  dataDir?: string;
  /** Lifetime of a session in ms [30 days, the cookie's max age]. */
  maxAgeMs?: number;
  /** Sessions kept; the oldest is dropped beyond [1000]. */
  maxSessions?: number;
  /** Clock in ms [Date.now]. */
  now?: () => number;
}

interface Entry {
  owner: string;
  expires: number;
}

interface SessionFile {
  token: string;
  sessions: Record<string, Entry>;
}

const hash = (s: string) => createHash("sha256").update(s).digest("hex");

/** Server-side login sessions for one access token. */
export class SessionStore {
  readonly #token: string;
  readonly #opts: Required<Omit<SessionStoreOptions, "dataDir">> & { dataDir?: string };
  #sessions = new Map<string, Entry>();
  #checkedAt = -Infinity;
  #writes: Promise<void> = Promise.resolve();

  /** A store for `token` (use {@linkcode SessionStore.open} to load the file). */
  constructor(token: string, opts: SessionStoreOptions = {}) {
    this.#token = token;
    this.#opts = {
      maxAgeMs: 30 * 24 * 3600 * 1000,
      maxSessions: 1000,
      now: Date.now,
      ...opts,
    };
  }

  /** Loads `<dataDir>/.visionroi/.sessions.json`; sessions of another token or past their age are dropped. */
  static async open(dataDir: string, token: string, opts: SessionStoreOptions = {}) {
    const store = new SessionStore(token, { ...opts, dataDir });
    let file: SessionFile | undefined;
    try {
      file = JSON.parse(
        await Deno.readTextFile(join(ownDir(dataDir), SESSIONS_FILE)),
      ) as SessionFile;
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound) && !(err instanceof SyntaxError)) throw err;
    }
    if (file?.token === hash(token) && file.sessions && typeof file.sessions === "object") {
      const now = store.#opts.now();
      for (const [id, e] of Object.entries(file.sessions)) {
        if (typeof e?.owner === "string" && typeof e.expires === "number" && e.expires > now) {
          store.#sessions.set(id, { owner: e.owner, expires: e.expires });
        }
      }
    }
    return store;
  }

  /** Number of live sessions. */
  get size(): number {
    return this.#sessions.size;
  }

  /** Starts a session for `owner` and returns its id (32 random bytes, base64url). */
  async create(owner: string): Promise<string> {
    const id = generateToken();
    while (this.#sessions.size >= this.#opts.maxSessions) {
      this.#sessions.delete(this.#sessions.keys().next().value!);
    }
    this.#sessions.set(hash(id), { owner, expires: this.#opts.now() + this.#opts.maxAgeMs });
    await this.#persist();
    return id;
  }

  /** The owner of a live session id, else undefined. Call {@linkcode refresh} first. */
  owner(id: string): string | undefined {
    const key = hash(id);
    const e = this.#sessions.get(key);
    if (!e) return undefined;
    if (e.expires <= this.#opts.now()) {
      this.#sessions.delete(key);
      return undefined;
    }
    return e.owner;
  }

  /** Ends a session (logout); an unknown id is fine. */
  async revoke(id: string): Promise<void> {
    if (this.#sessions.delete(hash(id))) await this.#persist();
  }

  /**
   * Drops every session when `.access_token` no longer holds this store's token (deleted or
   * replaced). Reads the file at most once a second.
   */
  async refresh(): Promise<void> {
    const dir = this.#opts.dataDir;
    if (dir === undefined || this.#sessions.size === 0) return;
    const now = this.#opts.now();
    if (now - this.#checkedAt < 1000) return;
    this.#checkedAt = now;
    let current: string | undefined;
    try {
      current = (await Deno.readTextFile(join(dir, TOKEN_FILE))).trim();
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    }
    if (current !== this.#token) {
      this.#sessions.clear();
      await this.#persist();
    }
  }

  #persist(): Promise<void> {
    const dir = this.#opts.dataDir;
    if (dir === undefined) return Promise.resolve();
    const file: SessionFile = {
      token: hash(this.#token),
      sessions: Object.fromEntries(this.#sessions),
    };
    const text = JSON.stringify(file) + "\n";
    // Writes are chained so an older table never lands after a newer one.
    this.#writes = this.#writes.catch(() => undefined).then(async () => {
      await Deno.mkdir(ownDir(dir), { recursive: true });
      await writeFileAtomic(join(ownDir(dir), SESSIONS_FILE), text, { mode: 0o600 });
    });
    return this.#writes;
  }
}
