/** Durable JSON snapshots: each write goes to a temp file, is fsynced, then renamed over the old one. */
import { dirname, join } from "node:path";
import { createHash } from "node:crypto";

/** Where actors keep their desired state. */
export interface SnapshotStore {
  /** The stored value, or undefined when there is none. Throws on a corrupt file. */
  load<T>(key: string): Promise<T | undefined>;
  /** Replaces the value atomically: readers see the old or the new file, never a mix. */
  save(key: string, value: unknown): Promise<void>;
  /** Removes the value; a missing one is fine. */
  delete(key: string): Promise<void>;
  /** Keys under a prefix (`camera/`), without the `.json`. */
  list(prefix?: string): Promise<string[]>;
}

/**
 * Longest key segment kept as it is: with `.json` and writeFileAtomic's `.<8>.tmp` it is a 255-byte
 * file name, the most file systems take. Longer ones end in a hash; shorter keys never changed.
 */
const MAX_SEGMENT = 237;

/**
 * Turns any id (a Thai source name, `cam:1`, `-dash`) into one safe key segment: letters, digits,
 * `_` and `-` stay, everything else becomes `@` and its UTF-16 code in hex. A segment past 237
 * characters (100 Thai letters make 500) keeps its first 120 and adds `@@` and the id's SHA-256,
 * so it fits a file name. Distinct ids stay distinct (`@@` never occurs in the short form).
 */
export function keySegment(id: string): string {
  const seg = id.replace(
    /[^A-Za-z0-9_-]/g,
    (ch) => `@${ch.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  if (seg.length <= MAX_SEGMENT) return seg;
  return `${seg.slice(0, 120)}@@${createHash("sha256").update(id).digest("hex")}`;
}

// A segment may start with `@` or `-` (what keySegment makes of `ห้อง`, `.x`, `-dash`), never `.`.
const KEY = /^[A-Za-z0-9_@-][A-Za-z0-9_.@-]*(\/[A-Za-z0-9_@-][A-Za-z0-9_.@-]*)*$/;

/** Writes `bytes` to `path` atomically: temp file in the same folder, fsync, rename, fsync the folder. */
export async function writeFileAtomic(
  path: string,
  bytes: Uint8Array | string,
  opts: { mode?: number } = {},
): Promise<void> {
  const data = typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes;
  const tmp = `${path}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  const file = await Deno.open(tmp, { write: true, create: true, truncate: true, mode: opts.mode });
  try {
    try {
      let off = 0;
      while (off < data.length) off += await file.write(data.subarray(off));
      await file.sync();
    } finally {
      file.close();
    }
    if (opts.mode !== undefined) await Deno.chmod(tmp, opts.mode);
    await Deno.rename(tmp, path);
  } catch (err) {
    // A full disk fails the write or the fsync: the partial temp file must not stay behind.
    await Deno.remove(tmp).catch((e) => {
      if (!(e instanceof Deno.errors.NotFound)) console.error(`${tmp} not removed: ${e.message}`);
    });
    throw err;
  }
  await syncDir(dirname(path));
}

async function syncDir(dir: string): Promise<void> {
  const d = await Deno.open(dir, { read: true });
  try {
    await d.sync();
  } catch (err) {
    // Some file systems refuse fsync on a directory; the rename is still atomic there.
    if (!(err instanceof Deno.errors.PermissionDenied) && !(err instanceof TypeError)) throw err;
  } finally {
    d.close();
  }
}

/** Removes leftover `*.tmp` files of interrupted writes under `dir` (not recursive). */
export async function removeStaleTemps(dir: string): Promise<number> {
  let removed = 0;
  try {
    for await (const e of Deno.readDir(dir)) {
      if (e.isFile && e.name.endsWith(".tmp")) {
        await Deno.remove(join(dir, e.name));
        removed++;
      }
    }
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return removed;
}

/** A snapshot store of one JSON file per key under a root folder. */
export class FileSnapshotStore implements SnapshotStore {
  readonly root: string;

  constructor(root: string) {
    this.root = root;
  }

  async load<T>(key: string): Promise<T | undefined> {
    try {
      return JSON.parse(await Deno.readTextFile(this.#path(key))) as T;
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return undefined;
      throw err;
    }
  }

  async save(key: string, value: unknown): Promise<void> {
    const path = this.#path(key);
    await Deno.mkdir(dirname(path), { recursive: true });
    await writeFileAtomic(path, JSON.stringify(value, null, 2) + "\n");
  }

  async delete(key: string): Promise<void> {
    await Deno.remove(this.#path(key)).catch((err) => {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    });
  }

  async list(prefix = ""): Promise<string[]> {
    const dir = join(this.root, prefix);
    const keys: string[] = [];
    try {
      for await (const e of Deno.readDir(dir)) {
        if (e.isFile && e.name.endsWith(".json")) keys.push(prefix + e.name.slice(0, -5));
      }
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    }
    return keys.sort();
  }

  #path(key: string): string {
    if (!KEY.test(key) || key.split("/").some((p) => p === "." || p === "..")) {
      throw new RangeError(`invalid snapshot key ${JSON.stringify(key)}`);
    }
    return join(this.root, `${key}.json`);
  }
}
