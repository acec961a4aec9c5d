/** `api`: fetch JSON from VisionROI's own routes; errors carry the server's message. */

/** An answer other than 2xx: `message` is the server's `{"message"}` or the status text. */
export class ApiError extends Error {
  /** HTTP status code. */
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** Sends `body` as JSON (when given) and returns the parsed JSON answer; throws ApiError on 4xx/5xx. */
export async function api<T = unknown>(
  path: string,
  opts: { method?: string; body?: unknown; form?: FormData; keepalive?: boolean } = {},
): Promise<T> {
  const init: RequestInit = { method: opts.method ?? "GET", keepalive: opts.keepalive };
  if (opts.form) init.body = opts.form;
  else if (opts.body !== undefined) {
    init.body = JSON.stringify(opts.body);
    init.headers = { "content-type": "application/json" };
  }
  const res = await fetch(path, init);
  const text = await res.text();
  let data: unknown = text;
  if ((res.headers.get("content-type") ?? "").includes("json") && text) data = JSON.parse(text);
  if (!res.ok) {
    const msg = typeof data === "object" && data && "message" in data
      ? String((data as { message: unknown }).message)
      : (typeof data === "string" && data) || res.statusText;
    throw new ApiError(res.status, `${res.status}: ${msg}`);
  }
  return data as T;
}

/** The message of anything thrown. */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
