/**
 * Access control on a real server process bound to 127.0.0.1 with `--auth required` (the tests
 * never bind outside loopback): the printed token, the 0600 file, Bearer and cookie, WebSocket
 * handshakes over a raw socket, `/_quit`.
 */
import assert from "node:assert/strict";
import { startServer } from "./helpers/server.ts";
import { TOKEN_FILE } from "../storage/token_store.ts";

/** Sends a WebSocket handshake over TCP and returns the status line of the answer. */
async function handshake(url: string, path: string, headers: Record<string, string>) {
  const { hostname, port, host } = new URL(url);
  const conn = await Deno.connect({ hostname, port: Number(port) });
  try {
    const lines = [
      `GET ${path} HTTP/1.1`,
      `Host: ${host}`,
      "Upgrade: websocket",
      "Connection: Upgrade",
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
      "Sec-WebSocket-Version: 13",
      ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
    ];
    await conn.write(new TextEncoder().encode(lines.join("\r\n") + "\r\n\r\n"));
    const buf = new Uint8Array(4096);
    const n = await conn.read(buf);
    return new TextDecoder().decode(buf.subarray(0, n ?? 0)).split("\r\n")[0];
  } finally {
    conn.close();
  }
}

Deno.test("server with --auth required: token printed once, 0600 file, Bearer, cookie, WS, quit", async () => {
  const root = await Deno.makeTempDir({ prefix: "visionroi-auth-" });
  const dataDir = `${root}/data`;
  const server = await startServer(dataDir, ["--auth", "required", "--no-demo"]);
  let stopped = false;
  try {
    const file = `${dataDir}/${TOKEN_FILE}`;
    const token = (await Deno.readTextFile(file)).trim();
    assert.equal((await Deno.stat(file)).mode! & 0o777, 0o600);
    assert.ok(server.output().includes(token), "the new token is printed at start");
    const url = server.url;
    const bearer = { authorization: `Bearer ${token}` };

    const anon = await fetch(`${url}/data_sources`);
    assert.equal(anon.status, 401);
    assert.deepEqual(await anon.json(), { status: "error", message: "authentication required" });
    const wrong = await fetch(`${url}/data_sources`, { headers: { authorization: "Bearer nope" } });
    assert.equal(wrong.status, 401);
    await wrong.body?.cancel();
    const ok = await fetch(`${url}/data_sources`, { headers: bearer });
    assert.equal(ok.status, 200);
    await ok.body?.cancel();
    const health = await fetch(`${url}/_healthz`);
    assert.equal(await health.text(), "ok");

    const login = await fetch(`${url}/login`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: url },
      body: JSON.stringify({ token }),
    });
    assert.equal(login.status, 200);
    await login.body?.cancel();
    const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0];
    const withCookie = await fetch(`${url}/api/cameras`, { headers: { cookie } });
    assert.equal(withCookie.status, 200);
    await withCookie.body?.cancel();

    const path = "/ws_roi_result/cam1";
    assert.match(await handshake(url, path, { Origin: "http://evil.example" }), / 403 /);
    assert.match(await handshake(url, path, { Origin: url }), / 401 /);
    assert.match(await handshake(url, path, { Origin: url, Cookie: cookie }), / 101 /);
    assert.match(await handshake(url, path, bearer), / 101 /);

    const quitAnon = await fetch(`${url}/_quit`, { method: "POST" });
    assert.equal(quitAnon.status, 401);
    await quitAnon.body?.cancel();
    const quitForeign = await fetch(`${url}/_quit`, {
      method: "POST",
      headers: { ...bearer, origin: "http://evil.example" },
    });
    assert.equal(quitForeign.status, 403);
    await quitForeign.body?.cancel();
    assert.equal((await fetch(`${url}/_healthz`)).status, 200, "still running");
    const quit = await fetch(`${url}/_quit`, { method: "POST", headers: bearer });
    assert.equal(quit.status, 202);
    await quit.body?.cancel();
    assert.equal((await server.exited()).code, 0);
    stopped = true;

    const again = await startServer(dataDir, ["--auth", "required", "--no-demo"]);
    try {
      assert.equal(again.output().includes(token), false, "an existing token is not printed");
      const r = await fetch(`${again.url}/data_sources`, { headers: bearer });
      assert.equal(r.status, 200, "the stored token still works");
      await r.body?.cancel();
    } finally {
      await again.kill9();
    }
  } finally {
    if (!stopped) await server.kill9();
    await Deno.remove(root, { recursive: true });
  }
});
