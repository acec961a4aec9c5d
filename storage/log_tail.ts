/** Reading the last lines of a text file by seeking from its end, never loading the whole file. */

/** Bytes read per step backwards from the end. */
export const TAIL_CHUNK_BYTES = 64 * 1024;

/** The most bytes {@linkcode readTail} reads from the end of a file by default. */
export const DEFAULT_MAX_TAIL_BYTES = 8 * 1024 * 1024;

/** Options of {@linkcode readTail}. */
export interface TailOptions {
  /** Stop after this many bytes even with fewer lines (one huge line) [8 MiB]. */
  maxBytes?: number;
}

/**
 * The last `lines` lines of a file, oldest first, each with trailing whitespace removed (as
 * VisionROI's `rstrip`). A missing file reads as `[]`. Reads chunks backwards from the end until it
 * holds `lines` whole lines, the start of the file, or `maxBytes`.
 */
export async function readTail(
  path: string,
  lines: number,
  opts: TailOptions = {},
): Promise<string[]> {
  if (!Number.isInteger(lines) || lines < 1) {
    throw new RangeError(`invalid lines ${lines}: expected a positive integer`);
  }
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return [];
    throw err;
  }
  try {
    const { bytes, atStart } = await readBackwards(
      file,
      lines + 1,
      opts.maxBytes ?? DEFAULT_MAX_TAIL_BYTES,
    );
    const parts = new TextDecoder().decode(bytes).split("\n");
    // Without the file's start, the first piece is a partial line (maybe a cut UTF-8 character).
    if (!atStart) parts.shift();
    if (parts.length > 0 && parts[parts.length - 1] === "") parts.pop();
    return parts.slice(-lines).map((l) => l.trimEnd());
  } finally {
    file.close();
  }
}

/** Reads from the end until `newlines` line feeds, the file's start, or `maxBytes`. */
async function readBackwards(
  file: Deno.FsFile,
  newlines: number,
  maxBytes: number,
): Promise<{ bytes: Uint8Array; atStart: boolean }> {
  let pos = (await file.stat()).size;
  const chunks: Uint8Array[] = [];
  let seen = 0;
  let total = 0;
  while (pos > 0 && seen < newlines && total < maxBytes) {
    const n = Math.min(TAIL_CHUNK_BYTES, pos, maxBytes - total);
    pos -= n;
    const buf = new Uint8Array(n);
    await file.seek(pos, Deno.SeekMode.Start);
    let off = 0;
    while (off < n) {
      const got = await file.read(buf.subarray(off));
      if (got === null) break;
      off += got;
    }
    for (let i = 0; i < off; i++) if (buf[i] === 10) seen++;
    chunks.unshift(buf.subarray(0, off));
    total += n;
  }
  const bytes = new Uint8Array(chunks.reduce((s, c) => s + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.length;
  }
  return { bytes, atStart: pos === 0 };
}
