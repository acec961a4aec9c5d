/** Confinement of user-given names and paths to the data dir. */
import { isAbsolute, join, normalize, relative, resolve, sep } from "node:path";

/** Folder names inside the data dir that are not sources. */
export const RESERVED_NAMES: ReadonlySet<string> = new Set([
  "inference_modules",
  "models",
  "uploads",
  "logs",
  "tmp",
]);

/**
 * Checks a source name and returns it trimmed. Refuses what could leave the data dir or clash with
 * its own files: empty, `.`/`..`, leading dot, slashes, NUL and control characters, reserved names,
 * more than 100 characters. The message names the value.
 */
export function checkSourceName(raw: unknown, field = "name"): string {
  if (typeof raw !== "string") {
    throw new RangeError(`invalid ${field}: expected a string, got ${typeof raw}`);
  }
  const name = raw.trim();
  const why = nameProblem(name);
  if (why) throw new RangeError(`invalid ${field} ${JSON.stringify(raw)}: ${why}`);
  return name;
}

function nameProblem(name: string): string | undefined {
  if (name === "") return "must not be empty";
  if (name === "." || name === "..") return "must not be . or ..";
  if (name.startsWith(".")) return "must not start with a dot";
  if (/[/\\]/.test(name)) return "must not contain slashes";
  // deno-lint-ignore no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return "must not contain control characters";
  if (name.length > 100) return "must be at most 100 characters";
  if (RESERVED_NAMES.has(name)) return "is reserved";
  return undefined;
}

/** Whether `child` lies inside `base` (after normalising; `base` itself does not count). */
export function isInside(base: string, child: string): boolean {
  const rel = relative(resolve(base), resolve(child));
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel) && !rel.split(sep).includes("..");
}

/**
 * Resolves a relative path under `base`, refusing absolute paths, `..` escapes, NUL, and symlinks
 * that point outside `base` (checked on the deepest existing ancestor).
 */
export async function confinedPath(base: string, rel: string, field = "path"): Promise<string> {
  if (typeof rel !== "string" || rel.trim() === "") {
    throw new RangeError(`invalid ${field}: must not be empty`);
  }
  if (rel.includes("\0")) {
    throw new RangeError(`invalid ${field} ${JSON.stringify(rel)}: contains NUL`);
  }
  if (isAbsolute(rel)) {
    throw new RangeError(`invalid ${field} ${JSON.stringify(rel)}: must be relative`);
  }
  const full = resolve(base, normalize(rel));
  if (!isInside(base, full)) {
    throw new RangeError(`invalid ${field} ${JSON.stringify(rel)}: path outside allowed directory`);
  }
  const real = await realAncestor(full);
  const realBase = await Deno.realPath(base);
  if (real !== realBase && !isInside(realBase, real)) {
    throw new RangeError(`invalid ${field} ${JSON.stringify(rel)}: path outside allowed directory`);
  }
  return full;
}

async function realAncestor(path: string): Promise<string> {
  let p = path;
  const rest: string[] = [];
  for (;;) {
    try {
      return join(await Deno.realPath(p), ...rest.reverse());
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
      const parent = resolve(p, "..");
      if (parent === p) throw err;
      rest.push(p.slice(parent.length + 1));
      p = parent;
    }
  }
}
