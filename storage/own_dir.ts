/**
 * This project's own files in the data dir live under one hidden folder, `<dataDir>/.visionroi/`
 * (actor snapshots `.actors/`, batch `uploads/`, `visionroi.db*`, `mqtt_outbox.db*`, `.sessions.json`,
 * the first-start marker), so VisionROI pointed at the same folder lists only sources. The files
 * VisionROI or the user read (`service_state.json`, `mqtt_configs.json`, `.access_token`,
 * `.access_tokens.json`, `telegram.json`, `inference_modules/`, `models/`) stay in the data dir.
 * {@linkcode migrateOwnFiles} moves files of older installs from the data dir into the folder.
 */
import { join } from "node:path";

/** The hidden folder's name. */
export const OWN_DIR = ".visionroi";

/** `<dataDir>/.visionroi`. */
export function ownDir(dataDir: string): string {
  return join(dataDir, OWN_DIR);
}

/** The first-start marker inside the folder (until this folder existed, `<dataDir>/.visionroi` itself). */
export const FIRST_START_FILE = "first_start.json";

/** Names that moved into the folder; SQLite's `-wal`/`-shm`/`-journal` files move with their db. */
const MOVED = [".actors", "uploads", ".sessions.json"];
const MOVED_DBS = ["visionroi.db", "mqtt_outbox.db"];
const DB_SUFFIXES = ["", "-wal", "-shm", "-journal"];

/** Where the old marker file waits while the folder of the same name is made. */
const MARKER_ASIDE = ".visionroi.first-start";

/**
 * Moves an older install's own files from the data dir into `.visionroi/` by renames (atomic, same
 * file system); safe to run at every start and after a crash half-way. A name present in both
 * places is left where it is and reported (the folder's copy is the newer). Returns what moved.
 */
export async function migrateOwnFiles(
  dataDir: string,
  log: (line: string) => void = (l) => console.error(l),
): Promise<string[]> {
  const own = ownDir(dataDir);
  const moved: string[] = [];
  // The old first-start marker is a file of the folder's name: set aside, then moved in.
  if ((await kind(own)) === "file") {
    await Deno.rename(own, join(dataDir, MARKER_ASIDE));
  }
  await Deno.mkdir(own, { recursive: true });
  const aside = join(dataDir, MARKER_ASIDE);
  if (await kind(aside)) {
    if (await kind(join(own, FIRST_START_FILE))) await Deno.remove(aside);
    else await Deno.rename(aside, join(own, FIRST_START_FILE));
    moved.push(OWN_DIR);
  }
  const names = [...MOVED, ...MOVED_DBS.flatMap((db) => DB_SUFFIXES.map((s) => db + s))];
  for (const name of names) {
    const from = join(dataDir, name);
    if (!(await kind(from))) continue;
    const to = join(own, name);
    if (await kind(to)) {
      log(`data dir: ${from} not moved: ${to} exists (the newer copy); remove one of them`);
      continue;
    }
    await Deno.rename(from, to);
    moved.push(name);
  }
  if (moved.length) log(`data dir: moved ${moved.join(", ")} into ${own}`);
  return moved;
}

async function kind(path: string): Promise<"file" | "dir" | undefined> {
  try {
    const info = await Deno.lstat(path);
    return info.isDirectory ? "dir" : "file";
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return undefined;
    throw err;
  }
}
