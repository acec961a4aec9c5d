/** Small HTTP helpers for batch tests against a real server. */
import { waitFor } from "./wait.ts";

type Json = Record<string, unknown>;

/** Authorization header for a token (none when undefined). */
export function authHeader(token?: string): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** POSTs a multipart upload of `files` (path or bytes, with the name to send) and `fields`. */
export async function uploadBatch(
  base: string,
  files: { name: string; path?: string; bytes?: Uint8Array }[],
  fields: Record<string, string>,
  token?: string,
): Promise<{ status: number; json: Json }> {
  const form = new FormData();
  for (const f of files) {
    const bytes = f.bytes ?? await Deno.readFile(f.path!);
    form.append("file", new Blob([bytes as Uint8Array<ArrayBuffer>]), f.name);
  }
  for (const [k, v] of Object.entries(fields)) form.set(k, v);
  const r = await fetch(`${base}/api/batch`, {
    method: "POST",
    body: form,
    headers: authHeader(token),
  });
  return { status: r.status, json: await r.json() };
}

/** GET a JSON answer with its status. */
export async function getJson(
  url: string,
  token?: string,
): Promise<{ status: number; json: Json }> {
  const r = await fetch(url, { headers: authHeader(token) });
  return { status: r.status, json: await r.json() };
}

/** Waits until the task's status is one of `statuses`; returns the task. */
export function waitForStatus(
  base: string,
  id: string,
  statuses: string[],
  opts: { timeoutMs?: number; token?: string } = {},
): Promise<Json> {
  return waitFor(async () => {
    const { json } = await getJson(`${base}/api/batch/${id}`, opts.token);
    return statuses.includes(String(json.status)) ? json : undefined;
  }, { timeoutMs: opts.timeoutMs ?? 30_000, what: `task ${id} ${statuses.join("|")}` });
}

/** The JSON result rows of a task. */
export async function resultRows(base: string, id: string, token?: string): Promise<Json[]> {
  const { json } = await getJson(`${base}/api/batch/${id}/results?format=json`, token);
  return json.rows as Json[];
}
