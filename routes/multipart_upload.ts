/**
 * Streams a `multipart/form-data` request to disk: file parts go straight into files of a folder
 * (chunk by chunk, with backpressure, never the whole upload in memory), text fields are kept.
 * The whole body is counted; past `maxBytes` reading stops with a 413 and the caller removes the
 * folder. Parsing is @fastify/busboy's.
 */
import { Busboy, type BusboyFileStream, type BusboyInstance } from "@fastify/busboy";
import { once } from "node:events";
import { join } from "node:path";
import { diskFullError, HttpError } from "./errors.ts";

/** One stored file part. */
export interface UploadedFile {
  /** The form field name (`file`). */
  field: string;
  /** The name the client gave (untrusted; for display only). */
  filename: string;
  /** Name of the stored file inside the folder: `<n>-<safe name>`. */
  stored: string;
  /** Bytes written. */
  bytes: number;
}

/** A parsed upload: text fields (last value wins) and stored files in order. */
export interface Upload {
  fields: Record<string, string>;
  files: UploadedFile[];
  /** Body bytes read. */
  bytes: number;
}

/** Limits of {@linkcode receiveUpload}. */
export interface UploadOptions {
  /** Folder the files go to (created). */
  dir: string;
  /** Largest body, bytes: 413 beyond. */
  maxBytes: number;
  /** Largest text field (an inline ROI list) [16 MiB]. */
  maxFieldBytes?: number;
  /** Most file parts [10000]. */
  maxFiles?: number;
}

/** A file name safe inside the folder: the base name, with anything unusual replaced. */
export function safeFileName(name: string, index: number): string {
  const base = name.split(/[\\/]/).pop() ?? "";
  const clean = base.replace(/[^A-Za-z0-9._-]/g, "_").replace(/^\.+/, "").slice(-120);
  return `${index}-${clean || "upload"}`;
}

/**
 * Reads the request body into `opts.dir`; throws HttpError 413/400, or 507 when the disk is full
 * (the rest of the body is still read, so the client gets the answer); the folder may hold partial
 * files.
 */
export async function receiveUpload(req: Request, opts: UploadOptions): Promise<Upload> {
  const type = req.headers.get("content-type") ?? "";
  if (!/^multipart\/form-data/i.test(type) || !req.body) {
    throw new HttpError(400, `invalid body: expected multipart/form-data, got ${type || "none"}`);
  }
  const declared = Number(req.headers.get("content-length") ?? NaN);
  if (declared > opts.maxBytes) throw tooLarge(opts.maxBytes);
  await Deno.mkdir(opts.dir, { recursive: true });
  const bb = Busboy({
    headers: { "content-type": type },
    limits: { fieldSize: opts.maxFieldBytes ?? 16 * 1024 * 1024, files: opts.maxFiles ?? 10_000 },
  });
  const upload: Upload = { fields: {}, files: [], bytes: 0 };
  const parts = collectParts(bb, upload, opts.dir);
  const finished = new Promise<void>((resolve, reject) => {
    bb.on("finish", resolve);
    bb.on("error", reject);
  });
  const reader = req.body.getReader();
  try {
    await pump(reader, bb, finished, { upload, maxBytes: opts.maxBytes });
  } catch (err) {
    await reader.cancel().catch((e) => console.warn(`upload: cancel failed: ${e}`));
    bb.destroy();
    // A destroyed parser leaves its open file streams hanging: end them so the writers close.
    for (const s of parts.streams) s.destroy(err as Error);
    await Promise.allSettled(parts.writes);
    if (err instanceof HttpError) throw err;
    throw new HttpError(400, `invalid multipart body: ${(err as Error).message}`);
  }
  await Promise.all(parts.writes);
  if (parts.failure) throw diskFullError(parts.failure, "upload not stored") ?? parts.failure;
  return upload;
}

interface Parts {
  writes: Promise<void>[];
  streams: BusboyFileStream[];
  failure?: Error;
}

/** Keeps text fields and starts writing each file part to its own file. */
function collectParts(bb: BusboyInstance, upload: Upload, dir: string): Parts {
  const parts: Parts = { writes: [], streams: [] };
  bb.on("field", (name: string, value: string, _n: boolean, truncated: boolean) => {
    if (name.includes("\0")) {
      parts.failure ??= new HttpError(400, "invalid field name: contains NUL");
    }
    if (truncated) parts.failure ??= new HttpError(413, `field ${name} is too long`);
    upload.fields[name] = value;
  });
  bb.on("file", (field: string, stream: BusboyFileStream, filename: string) => {
    if (field.includes("\0")) {
      parts.failure ??= new HttpError(400, "invalid field name: contains NUL");
    }
    const stored = safeFileName(filename, upload.files.length);
    const entry: UploadedFile = { field, filename, stored, bytes: 0 };
    upload.files.push(entry);
    parts.streams.push(stream);
    parts.writes.push(
      writeStream(stream, join(dir, stored), entry).catch((err) => {
        parts.failure ??= err as Error;
        stream.resume(); // keep parsing so the request can finish; the failure is reported after
      }),
    );
  });
  return parts;
}

/**
 * Feeds the body to the parser, counting bytes. The server hands over ~32 KiB chunks and each
 * parser write costs a few event-loop turns, so chunks are joined into ~4 MiB writes (200 MB:
 * 26 s with 32 KiB writes, 3–4 s with 4 MiB).
 */
async function pump(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  bb: BusboyInstance,
  finished: Promise<void>,
  opts: { upload: Upload; maxBytes: number },
): Promise<void> {
  const pending: Uint8Array[] = [];
  let pendingBytes = 0;
  const flush = async () => {
    if (pendingBytes === 0) return;
    const joined = pending.length === 1 ? pending[0] : concat(pending, pendingBytes);
    pending.length = 0;
    pendingBytes = 0;
    if (!bb.write(joined)) await Promise.race([once(bb, "drain"), finished]);
  };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    opts.upload.bytes += value.byteLength;
    if (opts.upload.bytes > opts.maxBytes) throw tooLarge(opts.maxBytes);
    pending.push(value);
    pendingBytes += value.byteLength;
    if (pendingBytes >= WRITE_BYTES) await flush();
  }
  await flush();
  bb.end();
  await finished;
}

async function writeStream(stream: BusboyFileStream, path: string, entry: UploadedFile) {
  const file = await Deno.open(path, { write: true, createNew: true });
  let failure: Error | undefined;
  try {
    for await (const chunk of stream as AsyncIterable<Uint8Array>) {
      // After a failed write (a full disk) the rest of the part is read and dropped: leaving the
      // loop would destroy the stream, the parser would wait for it for ever, and so the request.
      if (failure) continue;
      try {
        let off = 0;
        // Synchronous on purpose: under a busy upload socket, async file writes waited ~0.4 s each
        // for their completion (200 MB: 33 s); a 4 MiB writeSync blocks for a few milliseconds.
        while (off < chunk.byteLength) off += file.writeSync(chunk.subarray(off));
        entry.bytes += chunk.byteLength;
      } catch (err) {
        failure = err as Error;
      }
    }
  } finally {
    file.close();
  }
  if (failure) throw failure;
}

/** Size of the parser's writes. */
const WRITE_BYTES = 4 * 1024 * 1024;

function concat(parts: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.byteLength;
  }
  return out;
}

function tooLarge(max: number): HttpError {
  return new HttpError(413, `upload is larger than the limit of ${max} bytes (--max-upload)`);
}
