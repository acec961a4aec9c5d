/** `GET /openapi.json` (OpenAPI 3.1 built from the route descriptions) and `GET /api/docs`. */
import { Hono } from "hono";
import { buildOpenApi, type RouteDoc } from "./api_spec.ts";
import { apiRoutes } from "./api_routes.ts";
import { h } from "preact";
import { renderApiDocs } from "./api_docs_page.ts";
import { renderPage } from "./ui.ts";

/** Version shown in the document's `info`. */
export const API_VERSION = "1.0.0";

/** The document of `routes` (every route of the app by default). */
export function openApiDocument(routes: readonly RouteDoc[] = apiRoutes): Record<string, unknown> {
  return buildOpenApi(routes, {
    title: "VisionROI",
    version: API_VERSION,
    description: "Regions of interest on camera frames, read by recognition modules. " +
      "Paths, bodies and answers follow the Python VisionROI.",
  });
}

/** The reference page's headers: no scripts at all; the app's stylesheet. */
const DOCS_HEADERS = {
  "content-security-policy": "default-src 'none'; style-src 'self' 'unsafe-inline'; " +
    "img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
};

/**
 * The docs sub-app; the document (and its page) is built once, on the first request.
 * `signOut`: the page shell shows "Sign out" (the server requires the token).
 */
export function openApiRoutes(
  routes: readonly RouteDoc[] = apiRoutes,
  opts: { signOut?: boolean } = {},
): Hono {
  const app = new Hono();
  let doc: Record<string, unknown> | undefined;
  const document = () => (doc ??= openApiDocument(routes));
  app.get("/openapi.json", (c) => c.json(document()));
  app.get("/api/docs", async (c) => {
    const content = String(await renderApiDocs(document()));
    // The content is hono's escaped HTML; the shell is the UI's, without any island.
    const body = () => h("div", { dangerouslySetInnerHTML: { __html: content } });
    const page = await renderPage("/api/docs", { title: "API", body }, { signOut: opts.signOut });
    return c.html(page, 200, DOCS_HEADERS);
  });
  return app;
}
