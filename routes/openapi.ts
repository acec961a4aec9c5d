/** `GET /openapi.json` (OpenAPI 3.1 built from the route descriptions) and `GET /api/docs`. */
import { Hono } from "hono";
import { buildOpenApi, type RouteDoc } from "./api_spec.ts";
import { apiRoutes } from "./api_routes.ts";
import { renderApiDocs } from "./api_docs_page.ts";

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

/** The docs sub-app; the document is built once, on the first request. */
export function openApiRoutes(routes: readonly RouteDoc[] = apiRoutes): Hono {
  const app = new Hono();
  let doc: Record<string, unknown> | undefined;
  const document = () => (doc ??= openApiDocument(routes));
  app.get("/openapi.json", (c) => c.json(document()));
  app.get("/api/docs", (c) =>
    c.html(renderApiDocs(document()), 200, {
      "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'",
    }));
  return app;
}
