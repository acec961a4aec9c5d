/**
 * Streams a `multipart/form-data` request to disk: file parts go straight into files of a folder
 * (chunk by chunk, with backpressure, never the whole upload in memory), text fields are kept.
 * The whole body is counted; past `maxBytes` reading stops with a 413 and the caller removes the
 * folder. Parsing is @fastify/busboy's.
 */
import { Busboy, type BusboyFileStream } from "@fastify/busboy";
import { once } from "node:events";
import { join } from "node:path";
import { HttpError } from "./errors.ts";

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

/** Reads the request body into `opts.dir`; throws HttpError 413/400 (the folder may hold partial files). */
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
  const writes: Promise<void>[] = [];
  const streams: BusboyFileStream[] = [];
  let failure: Error | undefined;
  bb.on("field", (name: string, value: string, _n: boolean, truncated: boolean) => {
    if (truncated) failure ??= new HttpError(413, `field ${name} is too long`);
    upload.fields[name] = value;
  });
  bb.on("file", (field: string, stream: BusboyFileStream, filename: string) => {
    const entry: UploadedFile = {
      field,
      filename,
      stored: safeFileName(filename, upload.files.length),
      bytes: 0,
    };
    upload.files.push(entry);
    streams.push(stream);
    writes.push(
      writeStream(stream, join(opts.dir, entry.stored), entry).catch((err) => {
        failure ??= err as Error;
        stream.resume(); // keep parsing so the request can finish; the failure is reported below
      }),
    );
  });
  const finished = new Promise<void>((resolve, reject) => {
    bb.on("finish", resolve);
    bb.on("error", reject);
  });
  const reader = req.body.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      upload.bytes += value.byteLength;
      if (upload.bytes > opts.maxBytes) throw tooLarge(opts.maxBytes);
      if (!bb.write(value)) await Promise.race([once(bb, "drain"), finished]);
    }
    bb.end();
    await finished;
  } catch (err) {
    await reader.cancel().catch((e) => console.warn(`upload: cancel failed: ${e}`));
    bb.destroy();
    // A destroyed parser leaves its open file streams hanging: end them so the writers close.
    for (const s of streams) s.destroy(err as Error);
    await Promise.allSettled(writes);
    if (err instanceof HttpError) throw err;
    throw new HttpError(400, `invalid multipart body: ${(err as Error).message}`);
  }
  await Promise.all(writes);
  if (failure) throw failure;
  return upload;
}

async function writeStream(stream: BusboyFileStream, path: string, entry: UploadedFile) {
  const file = await Deno.open(path, { write: true, createNew: true });
  try {
    for await (const chunk of stream as AsyncIterable<Uint8Array>) {
      let off = 0;
      while (off < chunk.byteLength) off += await file.write(chunk.subarray(off));
      entry.bytes += chunk.byteLength;
    }
  } finally {
    file.close();
  }
}

function tooLarge(max: number): HttpError {
  return new HttpError(413, `upload is larger than the limit of ${max} bytes (--max-upload)`);
}
