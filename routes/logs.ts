/** `GET /read_log`: the tail of a source's result log, bounded. */
import { Hono } from "hono";
import type { AppContext } from "./context.ts";
import { readSourceLog } from "../storage/result_log.ts";

/** The most lines one `/read_log` call returns. */
export const MAX_LOG_LINES = 1000;

/** Parses `lines`: an integer 1–{@linkcode MAX_LOG_LINES}, default 40; else RangeError. */
export function parseLines(raw: string | undefined): number {
  if (raw === undefined || raw === "") return 40;
  const n = /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_LOG_LINES) {
    throw new RangeError(
      `invalid lines ${JSON.stringify(raw)}: expected an integer 1..${MAX_LOG_LINES}`,
    );
  }
  return n;
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
