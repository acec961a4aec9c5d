/**
 * A client that talks as VisionROI's own pages do (form or JSON bodies, query strings, WebSockets),
 * and checks answers against the original's shapes (keys and value types, after
 * `../shared/reference/visionroi-contract.md`).
 */
import assert from "node:assert/strict";

/** A JSON value as the tests read it. */
// deno-lint-ignore no-explicit-any
export type Any = any;

/** What one answer looked like. */
export interface Answer {
  status: number;
  type: string;
  text: string;
  /** The parsed body when it is JSON, else undefined. */
  json: Any;
  location: string | null;
}

/** Sends one request as VisionROI's UI does: `json` as application/json, `form` as FormData. */
export async function call(
  base: string,
  method: string,
  path: string,
  body: { json?: unknown; form?: Record<string, string> } = {},
): Promise<Answer> {
  const init: RequestInit = { method, redirect: "manual" };
  if (body.form) {
    const f = new FormData();
    for (const [k, v] of Object.entries(body.form)) f.set(k, v);
    init.body = f;
  } else if (body.json !== undefined) {
    init.body = JSON.stringify(body.json);
    init.headers = { "content-type": "application/json" };
  }
  const r = await fetch(base + path, init);
  const text = await r.text();
  const type = r.headers.get("content-type") ?? "";
  let json: Any;
  if (type.includes("json")) json = JSON.parse(text);
  return { status: r.status, type, text, json, location: r.headers.get("location") };
}

/** A value type: `"string"`, `"number"`, `"boolean"`, `"array"`, `"object"`, `"null"`, alternatives with `|`. */
export type Kind = string;

function kindOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v;
}

/**
 * Asserts that `obj` has every key of `shape` with a value of its kind (`"number|null"`); a key
 * ending in `?` may be absent. Extra keys are allowed: this server's answers are supersets.
 */
export function assertShape(obj: Any, shape: Record<string, Kind>, what: string): void {
  assert.equal(kindOf(obj), "object", `${what}: expected an object, got ${JSON.stringify(obj)}`);
  for (const [rawKey, kind] of Object.entries(shape)) {
    const optional = rawKey.endsWith("?");
    const key = optional ? rawKey.slice(0, -1) : rawKey;
    if (!(key in obj)) {
      assert.ok(optional, `${what}: missing key "${key}" in ${JSON.stringify(obj).slice(0, 300)}`);
      continue;
    }
    const got = kindOf(obj[key]);
    assert.ok(
      kind.split("|").includes(got),
      `${what}.${key}: expected ${kind}, got ${got} (${JSON.stringify(obj[key])?.slice(0, 80)})`,
    );
  }
}

/** A WebSocket as the UI opens it, with every message kept and the close awaited. */
export interface ClientSocket {
  messages: (string | ArrayBuffer)[];
  /** Resolves with the first message (from the start) that `pred` accepts. */
  next<T = Any>(
    pred: (m: Any) => boolean,
    opts?: { timeoutMs?: number; what?: string },
  ): Promise<T>;
  /** Resolves with the close code and reason. */
  closed: Promise<[number, string]>;
  close(): void;
}

/** Opens `ws://…<path>` (binary frames arrive as ArrayBuffer, text as parsed JSON). */
export async function openSocket(base: string, path: string): Promise<ClientSocket> {
  const ws = new WebSocket(base.replace(/^http/, "ws") + path);
  ws.binaryType = "arraybuffer";
  const messages: (string | ArrayBuffer)[] = [];
  const waiters = new Set<() => void>();
  ws.onmessage = (e) => {
    messages.push(typeof e.data === "string" ? JSON.parse(e.data) : e.data);
    for (const w of waiters) w();
  };
  const closed = new Promise<[number, string]>((res) => {
    ws.onclose = (e) => {
      res([e.code, e.reason]);
      for (const w of waiters) w();
    };
  });
  await new Promise<void>((res, rej) => {
    ws.onopen = () => res();
    ws.onerror = () => rej(new Error(`WebSocket ${path} failed to open`));
  });
  ws.onerror = null;
  return {
    messages,
    closed,
    close: () => ws.close(),
    next(pred, opts = {}) {
      const timeoutMs = opts.timeoutMs ?? 15_000;
      return new Promise((res, rej) => {
        const check = () => {
          const hit = messages.find(pred);
          if (hit === undefined) return false;
          cleanup();
          res(hit as Any);
          return true;
        };
        const timer = setTimeout(() => {
          cleanup();
          rej(new Error(`${path}: no ${opts.what ?? "matching message"} in ${timeoutMs} ms`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(waiter);
        };
        const waiter = () => void check();
        if (!check()) waiters.add(waiter);
      });
    },
  };
}

/** Width and height of a baseline or progressive JPEG (its SOF marker). */
export function jpegSize(bytes: Uint8Array): { width: number; height: number } {
  assert.deepEqual([...bytes.slice(0, 2)], [0xff, 0xd8], "a JPEG starts with FFD8");
  let i = 2;
  while (i + 9 < bytes.length) {
    if (bytes[i] !== 0xff) throw new Error(`bad JPEG marker at ${i}`);
    const marker = bytes[i + 1];
    const len = (bytes[i + 2] << 8) | bytes[i + 3];
    if (marker >= 0xc0 && marker <= 0xc3) {
      return {
        height: (bytes[i + 5] << 8) | bytes[i + 6],
        width: (bytes[i + 7] << 8) | bytes[i + 8],
      };
    }
    i += 2 + len;
  }
  throw new Error("no SOF marker in JPEG");
}
