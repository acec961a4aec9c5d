/** `GET /read_log`: the tail of a source's result log, bounded. */
import { Hono } from "hono";
import { z } from "zod";
import type { AppContext } from "./context.ts";
import { readSourceLog } from "../storage/result_log.ts";

/** The most lines one `/read_log` call returns. */
export const MAX_LOG_LINES = 1000;

/** Query of `GET /read_log` (VisionROI answered `lines=0` with the whole file). */
export const ReadLogQuerySchema = z.object({
  source: z.string().min(1),
  lines: z.coerce.number().int().min(1).max(MAX_LOG_LINES).default(40),
});

/** Answer of `GET /read_log`: the newest lines, oldest first. */
export const ReadLogAnswerSchema = z.object({ lines: z.array(z.string()) });

/** Parses `lines` with {@linkcode ReadLogQuerySchema} (empty → 40); else a RangeError naming it. */
export function parseLines(raw: string | undefined): number {
  const parsed = ReadLogQuerySchema.shape.lines.safeParse(raw === "" ? undefined : raw);
  if (!parsed.success) {
    throw new RangeError(
      `invalid lines ${JSON.stringify(raw)}: expected an integer 1..${MAX_LOG_LINES}`,
    );
  }
  return parsed.data;
}

/** `GET /read_log?source=&lines=40` → `{"lines":[…]}` (oldest first, as VisionROI). */
export function logRoutes(ctx: Pick<AppContext, "sources">): Hono {
  const app = new Hono();

  app.get("/read_log", async (c) => {
    const source = c.req.query("source");
    if (source === undefined || source.trim() === "") throw new RangeError("missing source");
    const lines = parseLines(c.req.query("lines"));
    return c.json({ lines: await readSourceLog(ctx.sources, source, lines) });
  });

  return app;
}
