/**
 * The single error handler: every failure becomes `{"status":"error","message":…}` with its code.
 * Bad input is a RangeError (or zod / JSON syntax) → 400; a full disk → 507; a TypeError is a bug → 500.
 */
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { ZodError } from "zod";
import { ConflictError, diskFullReason, NotFoundError } from "../storage/errors.ts";

/** An error that carries its HTTP status (413, 429 …) and extra body fields. */
export class HttpError extends Error {
  override name = "HttpError";
  readonly status: number;
  readonly extra: Record<string, unknown>;

  constructor(status: number, message: string, extra: Record<string, unknown> = {}) {
    super(message);
    this.status = status;
    this.extra = extra;
  }
}

/** Turns a zod failure into one sentence naming the field and the value. */
export function zodMessage(err: ZodError, input?: unknown): string {
  const issue = err.issues[0];
  const path = issue.path.join(".");
  let value: unknown = input;
  for (const key of issue.path) {
    value = value && typeof value === "object"
      ? (value as Record<PropertyKey, unknown>)[key]
      : undefined;
  }
  const shown = value === undefined ? "" : ` ${JSON.stringify(value)?.slice(0, 80)}`;
  return `invalid ${path || "body"}${shown}: ${issue.message}`;
}

/**
 * A full disk (ENOSPC, EDQUOT, SQLITE_FULL) as the 507 `disk full: …` answer, or undefined for any
 * other error. `what` says what was not done ("ROI file not saved").
 */
export function diskFullError(err: unknown, what = "not saved"): HttpError | undefined {
  const reason = diskFullReason(err);
  if (!reason) return undefined;
  return new HttpError(507, `disk full: ${what} (${reason} in the data dir); free space and retry`);
}

/** Hono `onError`: maps domain and input errors to 4xx, the rest to 500 (logged). */
export function onError(err: Error, c: Context): Response {
  const body = (status: number, message: string, extra: Record<string, unknown> = {}) =>
    c.json({ status: "error", message, ...extra }, status as 400);
  if (err instanceof HttpError) return body(err.status, err.message, err.extra);
  const full = diskFullError(err, `${c.req.method} ${c.req.path} not saved`);
  if (full) {
    console.error(`${c.req.method} ${c.req.path}: ${full.message}: ${err.message}`);
    return body(full.status, full.message);
  }
  if (err instanceof HTTPException) return body(err.status, err.message || "bad request");
  if (err instanceof ZodError) return body(400, zodMessage(err));
  if (err instanceof NotFoundError) return body(404, err.message);
  if (err instanceof ConflictError) return body(400, err.message);
  if (err instanceof RangeError || err instanceof SyntaxError) {
    return body(400, err.message);
  }
  if ((err as { code?: unknown }).code === "ENAMETOOLONG") {
    // Input checks bound names to 255 bytes; this catches a path the OS still finds too long.
    return body(400, "invalid name: longer than the file system allows");
  }
  console.error(`${c.req.method} ${c.req.path}:`, err);
  return body(500, "internal error");
}
