/** Small HTTP helpers shared by end-to-end tests. */
import assert from "node:assert/strict";

/** A JSON answer. */
export type Json = Record<string, unknown>;

/** POSTs JSON to a real server and returns the status and parsed body. */
export async function post(url: string, body: unknown): Promise<{ status: number; json: Json }> {
  const r = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: r.status, json: await r.json() };
}

/** Creates a source through VisionROI's form route and checks it was created. */
export async function createSource(base: string, name: string, source: string): Promise<void> {
  const form = new FormData();
  form.set("name", name);
  form.set("source", source);
  const r = await fetch(`${base}/create_source`, { method: "POST", body: form });
  assert.deepEqual(await r.json(), { status: "created" });
}

/**
 * Sends a JSON request to an in-process app (`app.request`) and returns status and body; the body
 * is loosely typed because tests reach deep into it.
 */
export async function call(
  app: { request: (p: string, i?: RequestInit) => Response | Promise<Response> },
  method: string,
  path: string,
  body?: unknown,
  // deno-lint-ignore no-explicit-any
): Promise<{ status: number; json: any }> {
  const res = await app.request(path, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}
