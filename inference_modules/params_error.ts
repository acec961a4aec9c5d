/** Turns a zod error on ROI params into one line naming the field and the problem. */
import type { z } from "zod";

/** `params.psm: Invalid option: expected one of "line"|"block"|"word"` (first issues, joined). */
export function paramsError(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `params${issue.path.map((p) => `.${String(p)}`).join("")}: ${issue.message}`)
    .join("; ");
}
