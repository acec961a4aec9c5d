/**
 * When a user module is disabled: it killed (or got killed in) its process `limit` times within
 * `windowMs`. Disabled stays until the module's files change, judged by a fingerprint of the
 * folder (every file's path, size and mtime), so a fix re-enables it without a restart.
 */

/** How many deaths in what window disable a module. */
export interface DeathPolicy {
  /** Deaths that disable [3]. */
  limit: number;
  /** Window they must fall in, ms [60,000]. */
  windowMs: number;
}

/** The default: 3 deaths in a minute. */
export const DEFAULT_DEATH_POLICY: DeathPolicy = { limit: 3, windowMs: 60_000 };

/** The death times still inside the window ending at `now`, `now` included. */
export function recordDeath(deaths: readonly number[], now: number, policy: DeathPolicy): number[] {
  return [...deaths, now].filter((t) => now - t < policy.windowMs);
}

/** True once the deaths inside the window reach the policy's limit. */
export function isDyingTooOften(
  deaths: readonly number[],
  now: number,
  policy: DeathPolicy,
): boolean {
  return deaths.filter((t) => now - t < policy.windowMs).length >= policy.limit;
}

/** Most entries a fingerprint walks; a folder beyond it is judged by the first ones in order. */
const MAX_ENTRIES = 2000;

/** `path size mtime` of every file under `dir` (sorted, symlinks not followed); changes when a file does. */
export async function folderFingerprint(dir: string): Promise<string> {
  const lines: string[] = [];
  const walk = async (rel: string, depth: number): Promise<void> => {
    const names: Deno.DirEntry[] = [];
    for await (const e of Deno.readDir(rel ? `${dir}/${rel}` : dir)) names.push(e);
    names.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
    for (const e of names) {
      if (lines.length >= MAX_ENTRIES) return;
      const path = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory && depth < 8) await walk(path, depth + 1);
      else if (e.isFile) {
        const st = await Deno.stat(`${dir}/${path}`);
        lines.push(`${path} ${st.size} ${st.mtime?.getTime() ?? 0}`);
      }
    }
  };
  try {
    await walk("", 0);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
    lines.push("(folder missing)");
  }
  return lines.join("\n");
}
