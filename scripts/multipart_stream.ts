/** A `multipart/form-data` request body built as a stream, so a large file is sent without being read into memory. */

/** One file part: its bytes come from `stream` (or `bytes`). */
export interface FilePart {
  /** Form field name [file]. */
  field?: string;
  /** File name sent to the server. */
  filename: string;
  /** The content, read as it is sent. */
  stream: ReadableStream<Uint8Array>;
}

/** A streaming multipart body and its content type (with the boundary). */
export interface MultipartBody {
  body: ReadableStream<Uint8Array>;
  contentType: string;
}

/** Builds the body: text fields first, then the files in order. */
export function multipartStream(fields: Record<string, string>, files: FilePart[]): MultipartBody {
  const boundary = `----visionroi${crypto.randomUUID().replaceAll("-", "")}`;
  const enc = new TextEncoder();
  const quote = (s: string) => s.replace(/["\r\n\\]/g, "_");
  const head = Object.entries(fields).map(([k, v]) =>
    `--${boundary}\r\nContent-Disposition: form-data; name="${quote(k)}"\r\n\r\n${v}\r\n`
  ).join("");
  async function* parts(): AsyncGenerator<Uint8Array> {
    yield enc.encode(head);
    for (const f of files) {
      yield enc.encode(
        `--${boundary}\r\nContent-Disposition: form-data; name="${quote(f.field ?? "file")}"; ` +
          `filename="${quote(f.filename)}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
      );
      yield* f.stream;
      yield enc.encode("\r\n");
    }
    yield enc.encode(`--${boundary}--\r\n`);
  }
  return {
    body: ReadableStream.from(parts()),
    contentType: `multipart/form-data; boundary=${boundary}`,
  };
}
