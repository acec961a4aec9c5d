/**
 * Attacks on a real server process (bound to 127.0.0.1): DNS rebinding under a name that starts
 * with `127.`, token guessing at `/login` and with Bearer headers, and the login session (the
 * cookie is a server-side session id, ended by `/logout` and by deleting `.access_token`).
 */
import assert from "node:assert/strict";
import { startServer } from "./helpers/server.ts";
import { waitFor } from "./helpers/wait.ts";
import { TOKEN_FILE } from "../storage/token_store.ts";

/** Sends one HTTP/1.1 request over TCP with the given Host header; returns status and head. */
async function raw(
  url: string,
  method: string,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; head: string }> {
  const { hostname, port } = new URL(url);
  const conn = await Deno.connect({ hostname, port: Number(port) });
  try {
    const lines = [
      `${method} ${path} HTTP/1.1`,
      ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
      "Content-Length: 0",
      "Connection: close",
    ];
    await conn.write(new TextEncoder().encode(lines.join("\r\n") + "\r\n\r\n"));
    let text = "";
    const buf = new Uint8Array(4096);
    const dec = new TextDecoder();
    while (!text.includes("\r\n\r\n")) {
      const n = await conn.read(buf);
      if (n === null) break;
      text += dec.decode(buf.subarray(0, n));
    }
    return { status: Number(text.split(" ")[1]), head: text.split("\r\n\r\n")[0] };
  } finally {
    conn.close();
  }
}

Deno.test("default server: a rebinding name starting with 127. cannot stop, list or quit", async () => {
  const root = await Deno.makeTempDir({ prefix: "visionroi-rebind-" });
  const server = await startServer(`${root}/data`, ["--no-demo"]);
  try {
    const evil = "127.9.9.9.attacker.example";
    const port = new URL(server.url).port;
    for (const host of [evil, `${evil}:${port}`]) {
      const headers = { Host: host, Origin: `http://${host}` };
      assert.equal((await raw(server.url, "GET", "/source_list", headers)).status, 403, host);
      const stop = await raw(server.url, "POST", "/stop_inference/cam1", headers);
      assert.equal(stop.status, 403, host);
      assert.equal((await raw(server.url, "POST", "/_quit", headers)).status, 403, host);
    }
    const local = await raw(server.url, "GET", "/source_list", { Host: `127.0.0.1:${port}` });
    assert.equal(local.status, 200, "the real loopback name still works");
    assert.equal((await fetch(`${server.url}/_healthz`)).status, 200, "/_quit did not stop it");
  } finally {
    await server.kill9();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("--auth required: 10 wrong tokens per address, then 429 with Retry-After", async () => {
  const root = await Deno.makeTempDir({ prefix: "visionroi-guess-" });
  const dataDir = `${root}/data`;
  const server = await startServer(dataDir, ["--auth", "required", "--no-demo"]);
  try {
    const token = (await Deno.readTextFile(`${dataDir}/${TOKEN_FILE}`)).trim();
    const login = (t: string) =>
      fetch(`${server.url}/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ token: t }),
      });
    for (let i = 0; i < 6; i++) {
      const r = await login(`wrong-${i}`);
      assert.equal(r.status, 401, `guess ${i + 1}`);
      await r.body?.cancel();
    }
    for (let i = 6; i < 10; i++) {
      const r = await fetch(`${server.url}/data_sources`, {
        headers: { authorization: `Bearer wrong-${i}` },
      });
      assert.equal(r.status, 401, `Bearer guess ${i + 1}`);
      await r.body?.cancel();
    }
    const limited = await login(token);
    assert.equal(limited.status, 429, "even the right token waits: no oracle while limited");
    const wait = Number(limited.headers.get("retry-after"));
    assert.ok(wait >= 1 && wait <= 60, `Retry-After ${wait}`);
    assert.match((await limited.json()).message, /too many wrong tokens/);
    const bearer = await fetch(`${server.url}/data_sources`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(bearer.status, 429);
    await bearer.body?.cancel();
    const anon = await fetch(`${server.url}/data_sources`);
    assert.equal(anon.status, 401, "requests without a token are not guesses");
    await anon.body?.cancel();
  } finally {
    await server.kill9();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("unknown Host without the token → 403; login cookie is a session id that /logout and deleting .access_token end", async () => {
  const root = await Deno.makeTempDir({ prefix: "visionroi-session-" });
  const dataDir = `${root}/data`;
  let server = await startServer(dataDir, ["--auth", "required", "--no-demo"]);
  try {
    const token = (await Deno.readTextFile(`${dataDir}/${TOKEN_FILE}`)).trim();
    const login = async () => {
      const r = await fetch(`${server.url}/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ token }),
      });
      assert.equal(r.status, 200);
      await r.body?.cancel();
      return (r.headers.get("set-cookie") ?? "").split(";")[0];
    };
    const status = async (cookie: string) => {
      const r = await fetch(`${server.url}/data_sources`, { headers: { cookie } });
      await r.body?.cancel();
      return r.status;
    };
    // Off loopback (here forced with --auth required) an unknown name without the token is 403.
    const foreign = { Host: "visionroi.attacker.example" };
    assert.equal((await raw(server.url, "GET", "/data_sources", foreign)).status, 403);
    assert.equal((await raw(server.url, "POST", "/_quit", foreign)).status, 403);
    const withToken = { ...foreign, Authorization: `Bearer ${token}` };
    assert.equal((await raw(server.url, "GET", "/data_sources", withToken)).status, 200);
    const byIp = { Host: "192.168.1.5:5000" };
    assert.equal((await raw(server.url, "GET", "/data_sources", byIp)).status, 401);

    const first = await login();
    assert.match(first, /^visionroi_token=[A-Za-z0-9_-]{43}$/);
    assert.equal(first.includes(token), false, "the cookie is not the token");
    assert.equal(await status(`visionroi_token=${token}`), 401, "the token is no cookie");
    const second = await login();
    assert.notEqual(first, second);
    assert.equal(await status(first), 200);
    const sessions = await Deno.readTextFile(`${dataDir}/.visionroi/.sessions.json`);
    assert.equal(sessions.includes(first.split("=")[1]), false, "only hashes are stored");
    assert.equal((await Deno.stat(`${dataDir}/.visionroi/.sessions.json`)).mode! & 0o777, 0o600);

    const out = await fetch(`${server.url}/logout`, {
      method: "POST",
      headers: { cookie: first, accept: "application/json" },
    });
    assert.equal(out.status, 200);
    await out.body?.cancel();
    assert.equal(await status(first), 401, "logged out");
    assert.equal(await status(second), 200, "other sessions live on");

    await server.kill9();
    server = await startServer(dataDir, ["--auth", "required", "--no-demo"]);
    assert.equal(await status(second), 200, "a session survives a restart");
    assert.equal(await status(first), 401);

    await Deno.remove(`${dataDir}/${TOKEN_FILE}`);
    await waitFor(async () => (await status(second)) === 401, {
      timeoutMs: 15_000,
      what: "sessions end once .access_token is deleted",
    });
    await server.kill9();
    server = await startServer(dataDir, ["--auth", "required", "--no-demo"]);
    assert.equal(await status(second), 401, "a new token starts without old sessions");
  } finally {
    await server.kill9();
    await Deno.remove(root, { recursive: true });
  }
});
