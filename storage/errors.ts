/** Error classes callers branch on; a plain RangeError means bad input (400). */

/** The named thing does not exist (404). */
export class NotFoundError extends Error {
  override name = "NotFoundError";
}

/** The request is valid but conflicts with current state (VisionROI answers these with 400). */
export class ConflictError extends Error {
  override name = "ConflictError";
}
