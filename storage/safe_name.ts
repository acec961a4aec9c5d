/** Confinement of user-given names and paths to the data dir. */
import { isAbsolute, join, normalize, relative, resolve, sep } from "node:path";

/** Folder names inside the data dir that are not sources. */
export const RESERVED_NAMES: ReadonlySet<string> = new Set([
  "inference_modules",
  "models",
  "uploads",
  "logs",
  "tmp",
  // TLS files for MQTT (storage/mqtt_config.ts TLS_DIR).
  "certs",
]);

/** Longest file name most file systems take, in UTF-8 bytes (ext4, APFS, NTFS in UTF-16 units). */
export const MAX_NAME_BYTES = 255;

/** Longest path handed to the OS, in UTF-8 bytes (Linux PATH_MAX less the data dir's share). */
export const MAX_PATH_BYTES = 3072;

const utf8Bytes = (s: string) => new TextEncoder().encode(s).length;

// Bidi marks, embeddings, overrides and isolates, invisible operators, zero-width space and BOM:
// they make a name display as something else (`evil\u202Efdp.exe` shows as `evilexe.pdf`).
// ZWJ/ZWNJ (U+200C/D) stay allowed: scripts such as Persian and Devanagari need them.
const INVISIBLE = /[\u061c\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/;

/**
 * Why one name or path segment is a trick, or undefined: bidi and zero-width characters, or a
 * look-alike that NFKC turns into `.`/`..`, a leading dot or a slash (`．．`, `／`), or more than
 * {@linkcode MAX_NAME_BYTES} bytes.
 */
export function segmentTrick(segment: string): string | undefined {
  if (INVISIBLE.test(segment)) return "must not contain bidi or zero-width characters";
  const folded = segment.normalize("NFKC");
  if (folded !== segment) {
    if (folded === "." || folded === "..") return "must not be . or .. (in any width)";
    if (folded.startsWith(".")) return "must not start with a dot (in any width)";
    if (/[/\\]/.test(folded)) return "must not contain slashes (in any width)";
  }
  if (utf8Bytes(segment) > MAX_NAME_BYTES) {
    return `must be at most ${MAX_NAME_BYTES} bytes in UTF-8`;
  }
  return undefined;
}

/**
 * Checks a source name and returns it trimmed. Refuses what could leave the data dir or clash with
 * its own files: empty, `.`/`..`, leading dot, slashes, NUL and control characters, reserved names,
 * more than 100 characters or 255 bytes, and look-alike tricks ({@linkcode segmentTrick}). The
 * message names the value.
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
  if (/[\u0000-\u001f\u007f-\u009f]/.test(name)) return "must not contain control characters";
  if (name.length > 100) return "must be at most 100 characters";
  if (RESERVED_NAMES.has(name)) return "is reserved";
  return segmentTrick(name);
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
  if (utf8Bytes(rel) > MAX_PATH_BYTES) {
    throw new RangeError(
      `invalid ${field} ${
        JSON.stringify(rel.slice(0, 40) + "…")
      }: longer than ${MAX_PATH_BYTES} bytes`,
    );
  }
  for (const segment of rel.split(/[/\\]/)) {
    const why = segmentTrick(segment);
    if (why) {
      const shown = JSON.stringify(rel.length > 80 ? rel.slice(0, 40) + "…" : rel);
      throw new RangeError(`invalid ${field} ${shown}: each part ${why}`);
    }
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
