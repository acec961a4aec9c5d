/**
 * A generated request set for every operation of an OpenAPI document: a valid example, then bad
 * ones (odd names in path and query, wrong-typed and missing body fields, wrong content types,
 * malformed and oversize bodies, a cross-site Origin, a foreign Host). `send` answers what a
 * client saw, for {@linkcode SpecChecker}.
 */
import http from "node:http";
import { Ajv2020 } from "ajv/dist/2020.js";

type Json = Record<string, unknown>;

/** One request of the set. */
export interface SpecRequest {
  /** Method, lower case. */
  method: string;
  /** The document's path template. */
  template: string;
  /** What the request tries. */
  label: string;
  /** Path with query, already encoded. */
  path: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array | FormData | URLSearchParams;
  /** A Host header to send instead of the server's own (sent with node:http). */
  host?: string;
  /** Send a WebSocket handshake (node:http; 101 or the refusal). */
  websocket?: boolean;
}

/** A valid example of one operation. */
export interface Example {
  params?: Record<string, string>;
  query?: Record<string, string>;
  /** JSON body (sent as application/json) … */
  json?: unknown;
  /** … or a form / multipart body. */
  form?: () => FormData | URLSearchParams;
  headers?: Record<string, string>;
}

/** Names that must be refused or not found, never a 500 or an undeclared answer. */
export const BAD_NAMES: [string, string][] = [
  ["traversal", "../outside"],
  ["long name (300 bytes)", "a".repeat(300)],
  ["long multibyte name (>255 bytes)", "ห".repeat(90)],
  ["NUL", "a\u0000b"],
  ["bidi control", "a\u202Eb"],
  ["full-width dots", "．．"],
  ["unknown", "nope_404"],
];

const WRONG_VALUES: unknown[] = [12345, "text", true, null, [], {}, -1, "a".repeat(300)];

/** The body size that every JSON route refuses (one byte over the 16 MiB limit). */
export const OVERSIZE = 16 * 1024 * 1024 + 1;

let big: Uint8Array | undefined;
/** One shared buffer of {@linkcode OVERSIZE} spaces. */
function oversize(): Uint8Array {
  return big ??= new Uint8Array(OVERSIZE).fill(32);
}

/** Fills `{name}` parameters and appends a query. */
export function fillPath(
  template: string,
  params: Record<string, string> = {},
  query?: Record<string, string>,
): string {
  const path = template.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const v = params[name];
    if (v === undefined) throw new RangeError(`example for ${template} lacks parameter ${name}`);
    return encodeURIComponent(v);
  });
  return query ? `${path}?${new URLSearchParams(query)}` : path;
}

/**
 * The request set of one operation: the valid example first (unless `validLast`, for deletes),
 * then the bad ones.
 */
export function operationRequests(
  method: string,
  template: string,
  op: Json,
  example: Example,
  opts: { validLast?: boolean; ajv?: Ajv2020 } = {},
): SpecRequest[] {
  const ajv = opts.ajv ?? new Ajv2020({ strict: false });
  const base = { method, template };
  const valid = validRequest(method, template, example);
  const bad: SpecRequest[] = [];
  const params = [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
  const validBody = { headers: valid.headers, body: valid.body };
  for (const p of params) {
    for (const [label, value] of BAD_NAMES) {
      bad.push({
        ...base,
        ...validBody,
        label: `path ${p}: ${label}`,
        path: fillPath(template, { ...example.params, [p]: value }, example.query),
      });
    }
  }
  const queryParams = ((op.parameters as Json[] | undefined) ?? []).filter((p) => p.in === "query");
  for (const q of queryParams) {
    const name = String(q.name);
    const values: [string, string][] = [...BAD_NAMES, ["number-like junk", "1e999x"]];
    for (const [label, value] of values) {
      bad.push({
        ...base,
        ...validBody,
        label: `query ${name}: ${label}`,
        path: fillPath(template, example.params, { ...example.query, [name]: value }),
      });
    }
    if (q.required) {
      const rest = { ...example.query };
      delete rest[name];
      bad.push({
        ...base,
        ...validBody,
        label: `query ${name}: missing`,
        path: fillPath(template, example.params, rest),
      });
    }
  }
  const content = (op.requestBody as Json | undefined)?.content as Record<string, Json> | undefined;
  if (content) bad.push(...bodyRequests(base, valid.path, content, example, ajv));
  else if (method !== "get") {
    bad.push({ ...base, label: "unexpected body over 16 MiB", path: valid.path, body: oversize() });
  }
  if (method !== "get") {
    bad.push({
      ...base,
      ...validBody,
      label: "cross-site Origin",
      path: valid.path,
      headers: { ...valid.headers, origin: "http://evil.example" },
    });
  }
  bad.push({ ...base, label: "foreign Host", path: valid.path, host: "evil.example:5000" });
  return opts.validLast ? [...bad, valid] : [valid, ...bad];
}

function validRequest(method: string, template: string, example: Example): SpecRequest {
  const req: SpecRequest = {
    method,
    template,
    label: "valid example",
    path: fillPath(template, example.params, example.query),
    headers: { ...example.headers },
  };
  if (example.json !== undefined) {
    req.body = JSON.stringify(example.json);
    req.headers = { ...req.headers, "content-type": "application/json" };
  } else if (example.form) {
    req.body = example.form();
  }
  return req;
}

/** Bad bodies: JSON fields of the wrong type, missing, odd names, wrong types, too large. */
function bodyRequests(
  base: { method: string; template: string },
  path: string,
  content: Record<string, Json>,
  example: Example,
  ajv: Ajv2020,
): SpecRequest[] {
  const out: SpecRequest[] = [];
  const json = { "content-type": "application/json" };
  const add = (label: string, body: SpecRequest["body"], headers: Record<string, string>) =>
    out.push({ ...base, label, path, body, headers: { ...example.headers, ...headers } });
  const schema = (content["application/json"] ?? Object.values(content)[0])?.schema as
    | Json
    | undefined;
  const props = (schema?.properties ?? {}) as Record<string, Json>;
  const sample = (example.json && typeof example.json === "object" ? example.json : {}) as Json;
  if (content["application/json"]) {
    for (const [name, prop] of Object.entries(props)) {
      const check = ajv.compile(prop);
      const wrong = WRONG_VALUES.find((v) => !check(v));
      if (wrong !== undefined) {
        add(
          `body ${name}: wrong type ${JSON.stringify(wrong).slice(0, 20)}`,
          JSON.stringify({
            ...sample,
            [name]: wrong,
          }),
          json,
        );
      }
      if (typeof sample[name] === "string" || check("x")) {
        for (const [label, value] of BAD_NAMES.slice(0, 6)) {
          add(`body ${name}: ${label}`, JSON.stringify({ ...sample, [name]: value }), json);
        }
      }
    }
    for (const name of (schema?.required ?? []) as string[]) {
      const rest = { ...sample };
      delete rest[name];
      add(`body ${name}: missing`, JSON.stringify(rest), json);
    }
    add("body: empty object", "{}", json);
    add("body: a JSON array", "[1,2]", json);
    add("body: malformed JSON", '{"a":', json);
    add("body: JSON sent as text/plain", JSON.stringify(sample), { "content-type": "text/plain" });
  }
  const form = content["application/x-www-form-urlencoded"] ?? content["multipart/form-data"];
  if (form) {
    for (const name of Object.keys(props)) {
      for (const [label, value] of BAD_NAMES.slice(0, 6)) {
        const f = example.form?.() ?? new URLSearchParams();
        f.set(name, value);
        add(`form ${name}: ${label}`, f, {});
      }
    }
    add("form: empty", new URLSearchParams(), {});
    const nul = new FormData();
    nul.set("a\u0000b", "x");
    add("multipart: NUL in a field name", nul, {});
  }
  add("body: unknown content-type", "<x/>", { "content-type": "application/xml" });
  add("body: over 16 MiB", oversize(), json);
  return out;
}

/** An answer as a client saw it. */
export interface Answer {
  status: number;
  contentType: string;
  body: string;
  headers: Headers;
}

/** Sends `req` to `base` (`http://127.0.0.1:port`). */
export async function send(base: string, req: SpecRequest): Promise<Answer> {
  if (req.host !== undefined || req.websocket) return await sendRaw(base, req);
  const res = await fetch(base + req.path, {
    method: req.method.toUpperCase(),
    headers: req.headers,
    body: req.body as BodyInit | undefined,
    redirect: "manual",
  });
  const body = await res.text();
  return {
    status: res.status,
    contentType: res.headers.get("content-type") ?? "",
    body,
    headers: res.headers,
  };
}

/** node:http lets a test choose the Host header and send a WebSocket handshake. */
function sendRaw(base: string, req: SpecRequest): Promise<Answer> {
  const url = new URL(base);
  const headers: Record<string, string> = { ...req.headers };
  if (req.host !== undefined) headers.host = req.host;
  if (req.websocket) {
    Object.assign(headers, {
      connection: "Upgrade",
      upgrade: "websocket",
      "sec-websocket-version": "13",
      "sec-websocket-key": btoa("0123456789abcdef"),
    });
  }
  return new Promise((resolve, reject) => {
    const r = http.request({
      host: url.hostname,
      port: Number(url.port),
      method: req.method.toUpperCase(),
      path: req.path,
      headers,
    }, (res) => {
      const chunks: Uint8Array[] = [];
      res.on("data", (c: Uint8Array) => chunks.push(c));
      res.on("end", () => {
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (typeof v === "string") h.set(k, v);
        resolve({
          status: res.statusCode ?? 0,
          contentType: h.get("content-type") ?? "",
          body: new TextDecoder().decode(concat(chunks)),
          headers: h,
        });
      });
    });
    r.on("upgrade", (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 0, contentType: "", body: "", headers: new Headers() });
    });
    r.on("error", reject);
    if (typeof req.body === "string") r.write(req.body);
    r.end();
  });
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
