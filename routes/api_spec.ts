/**
 * Route descriptions and the OpenAPI 3.1 document built from them. A description names the zod
 * schemas its route validates with (exported by the route or storage module), so the document
 * has no second copy of any schema. `tests/openapi_test.ts` fails when a route of the app has no
 * description, or a description no route.
 */
import { z } from "zod";

/** HTTP methods a description may use (WebSockets are `get` with `websocket: true`). */
export type HttpMethod = "get" | "post" | "put" | "patch" | "delete";

/** One response of a route. */
export interface ResponseDoc {
  /** What the answer means. */
  description: string;
  /** Body schema (JSON unless `contentType` says otherwise). */
  schema?: z.ZodType;
  /** Body media type [application/json when `schema` is set]. */
  contentType?: string;
  /** Other media types the same answer may come as (CSV beside JSON, a page beside JSON). */
  also?: { contentType: string; schema?: z.ZodType }[];
  /** Response headers: name → what it says. */
  headers?: Record<string, string>;
}

/** One route: what the docs page and `/openapi.json` show. */
export interface RouteDoc {
  /** Method, lower case. */
  method: HttpMethod;
  /** OpenAPI path, parameters as `{name}` (Hono's `:name`). */
  path: string;
  /** One line. */
  summary: string;
  /** Longer text (plain, may span lines). */
  description?: string;
  /** Group on the docs page. */
  tag: string;
  /** Path parameter descriptions by name; every `{name}` in `path` needs one. */
  params?: Record<string, string>;
  /** Query parameters: the schema the route parses them with. */
  query?: z.ZodObject;
  /** Request body; `contentType` may list several [application/json]. */
  body?: { schema: z.ZodType; contentType?: string | string[]; required?: boolean };
  /** Answers by status code. */
  responses: Record<number, ResponseDoc>;
  /** True for routes anyone may call, also when the token is required. */
  open?: boolean;
  /** True for a WebSocket endpoint (answers 101 Switching Protocols). */
  websocket?: boolean;
}

/** VisionROI's error answer. */
export const errorSchema = z.object({
  status: z.literal("error"),
  message: z.string().describe("names the field and the value"),
}).loose();

/** A VisionROI status answer: `{"status": …}` plus fields that depend on the route. */
export const statusAnswer = z.object({ status: z.string() }).loose();

/** Any JSON object (answers whose fields the README lists, not typed here). */
export const objectAnswer = z.record(z.string(), z.unknown());

/** The 400 answer of a route that validates input. */
export function badInput(): ResponseDoc {
  return {
    description: "invalid input; the message names the field and the value",
    schema: errorSchema,
  };
}

/** The 404 answer of a route over a named thing. */
export function notFound(): ResponseDoc {
  return { description: "not found", schema: errorSchema };
}

/** The 507 answer of a route that writes to the data dir. */
export function diskFull(): ResponseDoc {
  return {
    description: 'the data dir is full: `"message": "disk full: …"`; nothing was kept',
    schema: errorSchema,
  };
}

/**
 * A 400 that is not `status: "error"`: VisionROI's refusal words (`roi_running`,
 * `inference_running`) with the cam_id and a message; or the usual error answer.
 */
export function refusedOr400(status: string, why: string): ResponseDoc {
  const refused = z.object({ status: z.literal(status), cam_id: z.string(), message: z.string() });
  return {
    description: `invalid input; or \`status: "${status}"\`: ${why}`,
    schema: z.union([errorSchema, refused]),
  };
}

/**
 * Answers every operation may give, added by the builder where they apply: the login redirect
 * and 401 (when the token is required), 400 (any input), 403 (foreign Host or Origin), 413 (any
 * body), 500. A route's own answer with the same code is merged with these.
 */
export function commonResponses(r: RouteDoc): Record<number, ResponseDoc> {
  const out: Record<number, ResponseDoc> = {};
  const error = (description: string): ResponseDoc => ({ description, schema: errorSchema });
  if (r.method === "get" && !r.open && !r.websocket) {
    out[302] = {
      description: "the token is required and missing: a browser (Accept: text/html) is " +
        "redirected to /login?next=…",
      headers: { Location: "the login page" },
    };
  }
  if (r.params || r.query || r.body) out[400] = badInput();
  if (!r.open) {
    out[401] = {
      ...error("the token is required and was missing or wrong"),
      headers: { "WWW-Authenticate": 'Bearer realm="VisionROI"' },
    };
  }
  out[403] = error(
    "refused: a Host that is not this server's loopback name when no token is required " +
      "(DNS rebinding), or a state-changing request or WebSocket from another site (Origin)",
  );
  if (r.method !== "get") out[413] = error("the body is larger than 16 MiB (or the route's limit)");
  out[500] = error('an unexpected failure, logged by the server ("internal error")');
  return out;
}

/** Identity helper that type-checks a list of descriptions. */
export function describeRoutes(docs: RouteDoc[]): RouteDoc[] {
  return docs;
}

/** The JSON Schema of `schema` for OpenAPI 3.1 (draft 2020-12): what a client may send or gets. */
export function jsonSchemaOf(schema: z.ZodType, io: "input" | "output"): Record<string, unknown> {
  const out = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as Record<string, unknown>;
  delete out.$schema;
  return out;
}

/** The OpenAPI 3.1 document of `routes`. */
export function buildOpenApi(
  routes: readonly RouteDoc[],
  info: { title: string; version: string; description?: string },
): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const item = paths[r.path] ??= {};
    if (item[r.method]) throw new RangeError(`route ${r.method} ${r.path} is described twice`);
    item[r.method] = operation(r);
  }
  return {
    openapi: "3.1.0",
    info,
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    servers: [{ url: "/" }],
    tags: [...new Set(routes.map((r) => r.tag))].map((name) => ({ name })),
    security: [{ bearer: [] }, { cookie: [] }],
    components: {
      securitySchemes: {
        bearer: {
          type: "http",
          scheme: "bearer",
          description: "The access token (needed only when the server is not bound to loopback).",
        },
        cookie: { type: "apiKey", in: "cookie", name: "visionroi_token" },
      },
    },
    paths,
  };
}

function operation(r: RouteDoc): Record<string, unknown> {
  const op: Record<string, unknown> = {
    operationId: operationId(r),
    summary: r.summary,
    tags: [r.tag],
  };
  if (r.description) op.description = r.description;
  const parameters = [...pathParameters(r), ...queryParameters(r)];
  if (parameters.length) op.parameters = parameters;
  if (r.body) {
    const schema = jsonSchemaOf(r.body.schema, "input");
    const types = [r.body.contentType ?? "application/json"].flat();
    op.requestBody = {
      required: r.body.required ?? true,
      content: Object.fromEntries(types.map((t) => [t, { schema }])),
    };
  }
  op.responses = responses(r);
  if (r.open) op.security = [];
  if (r.websocket) op["x-websocket"] = true;
  return op;
}

function operationId(r: RouteDoc): string {
  const words = r.path.split(/[^A-Za-z0-9]+/).filter(Boolean);
  return [r.method, ...words].join("_");
}

function pathParameters(r: RouteDoc): Record<string, unknown>[] {
  const names = [...r.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
  return names.map((name) => {
    const description = r.params?.[name];
    if (!description) {
      throw new RangeError(`route ${r.method} ${r.path}: describe parameter ${name}`);
    }
    return { name, in: "path", required: true, description, schema: { type: "string" } };
  });
}

function queryParameters(r: RouteDoc): Record<string, unknown>[] {
  if (!r.query) return [];
  return Object.entries(r.query.shape).map(([name, field]) => {
    const schema = jsonSchemaOf(field as z.ZodType, "input");
    const { description, ...rest } = schema;
    return {
      name,
      in: "query",
      required: !(field as z.ZodType).safeParse(undefined).success,
      ...(description ? { description } : {}),
      schema: rest,
    };
  });
}

interface ResponseObject {
  description: string;
  content?: Record<string, { schema?: Record<string, unknown> }>;
  headers?: Record<string, { description: string; schema: { type: "string" } }>;
}

/** The route's own answers, merged with {@linkcode commonResponses} (the route's text first). */
function responses(r: RouteDoc): Record<string, ResponseObject> {
  const out: Record<string, ResponseObject> = {};
  const add = (code: number, d: ResponseDoc) => {
    const next = responseObject(d);
    const prev = out[String(code)];
    if (!prev) {
      out[String(code)] = next;
      return;
    }
    if (!prev.description.includes(next.description)) {
      prev.description += `; or ${next.description}`;
    }
    if (next.content) prev.content = { ...next.content, ...prev.content };
    if (next.headers) prev.headers = { ...next.headers, ...prev.headers };
  };
  for (const [code, d] of Object.entries(r.responses)) add(Number(code), d);
  for (const [code, d] of Object.entries(commonResponses(r))) add(Number(code), d);
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => Number(a) - Number(b)));
}

function responseObject(d: ResponseDoc): ResponseObject {
  const out: ResponseObject = { description: d.description };
  const types = [
    ...(d.schema || d.contentType
      ? [{ contentType: d.contentType ?? "application/json", schema: d.schema }]
      : []),
    ...(d.also ?? []),
  ];
  if (types.length) {
    out.content = Object.fromEntries(types.map((t) => [
      t.contentType,
      t.schema ? { schema: jsonSchemaOf(t.schema, "output") } : {},
    ]));
  }
  if (d.headers) {
    out.headers = Object.fromEntries(
      Object.entries(d.headers).map((
        [name, description],
      ) => [name, { description, schema: { type: "string" as const } }]),
    );
  }
  return out;
}
