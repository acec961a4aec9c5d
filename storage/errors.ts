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
