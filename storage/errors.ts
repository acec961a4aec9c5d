/** Error classes callers branch on; a plain RangeError means bad input (400). */

/** The named thing does not exist (404). */
export class NotFoundError extends Error {
  override name = "NotFoundError";
}

/** The request is valid but conflicts with current state (VisionROI answers these with 400). */
export class ConflictError extends Error {
  override name = "ConflictError";
}

/**
 * Why a write failed for lack of space, or undefined for any other error: ENOSPC, EDQUOT (their
 * `code` or OS message) or SQLite's SQLITE_FULL, also when wrapped as an error's `cause`.
 */
export function diskFullReason(err: unknown): string | undefined {
  for (let e = err, depth = 0; e && typeof e === "object" && depth < 4; depth++) {
    const { code, errcode, message } = e as {
      code?: unknown;
      errcode?: unknown;
      message?: unknown;
    };
    const text = typeof message === "string" ? message : "";
    if (code === "ENOSPC" || /No space left on device|os error 28\b/.test(text)) {
      return "no space left on device";
    }
    if (code === "EDQUOT" || /Disk quota exceeded|os error 122\b/.test(text)) {
      return "disk quota exceeded";
    }
    if (errcode === 13 || code === "SQLITE_FULL" || /database or disk is full/.test(text)) {
      return "database or disk is full";
    }
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Bad input (400), the one error type every validator throws: the message names the field and the
 * value; `field` is its path (`rois[2].points`, `source`, `width`). A RangeError, so every route
 * and caller that handled bad input before handles it the same way.
 */
export class InputError extends RangeError {
  override name = "InputError";
  /** Path of the field at fault. */
  readonly field: string;

  constructor(field: string, message: string) {
    super(message);
    this.field = field;
  }
}
