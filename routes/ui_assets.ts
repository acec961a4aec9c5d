/**
 * The UI bundle built by `scripts/build_ui.ts` into `dist/ui/`: its manifest (re-read when the
 * file changes, so a rebuild needs no restart) and `GET /static/<path>` with content types and
 * cache headers. Every name in the bundle is content-hashed, so files are cached for a year.
 */
import { Hono } from "hono";
import { HttpError } from "./errors.ts";

/** Where the bundle lives (beside the code, also inside a compiled binary). */
const UI_DIR = new URL("../dist/ui/", import.meta.url);

const TYPES: Record<string, string> = {
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  json: "application/json",
  map: "application/json",
};

/** The manifest fields the pages use. */
export interface UiBundle {
  islands: Record<string, string>;
  css: string;
}

let cached: { mtime: number; bundle: UiBundle } | undefined;

/** The current manifest; undefined when the bundle was never built (`deno task build`). */
export async function uiBundle(): Promise<UiBundle | undefined> {
  const file = new URL("manifest.json", UI_DIR);
  let mtime: number;
  try {
    mtime = (await Deno.stat(file)).mtime?.getTime() ?? 0;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return undefined;
    throw err;
  }
  if (cached?.mtime !== mtime) {
    cached = { mtime, bundle: JSON.parse(await Deno.readTextFile(file)) as UiBundle };
  }
  return cached.bundle;
}

/** `GET /static/:path` → a file of `dist/ui/` (only plain names: no `..`, no hidden files). */
export function staticRoutes(): Hono {
  const app = new Hono();
  app.get("/static/:path{.+}", async (c) => {
    const path = c.req.param("path");
    if (!/^[A-Za-z0-9_-][A-Za-z0-9_.-]*(\/[A-Za-z0-9_-][A-Za-z0-9_.-]*)*$/.test(path)) {
      throw new HttpError(404, `no static file ${JSON.stringify(path)}`);
    }
    const ext = path.slice(path.lastIndexOf(".") + 1);
    const type = TYPES[ext];
    if (!type || !path.startsWith("ui/")) throw new HttpError(404, `no static file "${path}"`);
    let bytes: Uint8Array;
    try {
      bytes = await Deno.readFile(new URL(path.slice(3), UI_DIR));
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) throw new HttpError(404, `no static file "${path}"`);
      throw err;
    }
    const immutable = path !== "ui/manifest.json";
    return c.body(bytes as Uint8Array<ArrayBuffer>, 200, {
      "content-type": type,
      "cache-control": immutable ? "public, max-age=31536000, immutable" : "no-cache",
      "x-content-type-options": "nosniff",
    });
  });
  return app;
}
