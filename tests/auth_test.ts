/**
 * Access control through `app.request()`: the token off loopback (forced with `--auth required`),
 * the login cookie, Origin checks on writes and WebSockets, the token file.
 */
import assert from "node:assert/strict";
import { loadConfig } from "../config.ts";
import { createApp } from "../routes/app.ts";
import { type AccessPolicy, loadAccessPolicy, tokensEqual } from "../routes/auth.ts";
import { safeNext } from "../routes/login.ts";
import { generateToken, loadOrCreateToken, TOKEN_FILE } from "../storage/token_store.ts";
import { testApp } from "./helpers/app.ts";

const TOKEN = generateToken();

/** The test app again, over the same system, with `auth`. */
async function withAuth(
  auth: AccessPolicy | undefined,
  fn: (app: ReturnType<typeof createApp>) => Promise<void>,
  args: string[] = [],
): Promise<void> {
  const t = await testApp();
  try {
    const config = loadConfig(["--data-dir", t.dataDir, "--no-demo", ...args], () => undefined);
    const app = createApp({ config, ...t.system, shutdown: () => t.system.stop(), auth });
    await fn(app);
  } finally {
    await t.close();
  }
}

const required: AccessPolicy = { required: true, token: TOKEN };

Deno.test("auth required: no token → 401 JSON, Bearer → 200, wrong token → 401", async () => {
  await withAuth(required, async (app) => {
    const none = await app.request("/data_sources");
    assert.equal(none.status, 401);
    assert.deepEqual(await none.json(), { status: "error", message: "authentication required" });
    assert.match(none.headers.get("www-authenticate") ?? "", /^Bearer/);
    const ok = await app.request("/data_sources", {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), []);
    const wrong = await app.request("/data_sources", {
      headers: { authorization: `Bearer ${TOKEN.slice(0, -1)}x` },
    });
    assert.equal(wrong.status, 401);
    await wrong.body?.cancel();
    const unknown = await app.request("/no/such/route");
    assert.equal(unknown.status, 401, "no route enumeration without the token");
    await unknown.body?.cancel();
    for (const path of ["/openapi.json", "/metrics", "/api/docs"]) {
      const r = await app.request(path);
      assert.equal(r.status, 401, path);
      await r.body?.cancel();
    }
  });
});

Deno.test("auth required: /_healthz and /login stay open; pages redirect to /login", async () => {
  await withAuth(required, async (app) => {
    const health = await app.request("/_healthz");
    assert.equal(health.status, 200);
    assert.equal(await health.text(), "ok");
    const login = await app.request("/login");
    assert.equal(login.status, 200);
    assert.match(await login.text(), /<form method="post" action="\/login">/);
    const page = await app.request("/api/cameras?x=1", { headers: { accept: "text/html" } });
    assert.equal(page.status, 302);
    assert.equal(page.headers.get("location"), "/login?next=%2Fapi%2Fcameras%3Fx%3D1");
  });
});

Deno.test("auth required: POST /_quit without the token is refused and nothing stops", async () => {
  let stopped = false;
  const t = await testApp();
  try {
    const config = loadConfig(["--data-dir", t.dataDir, "--no-demo"], () => undefined);
    const app = createApp({
      config,
      ...t.system,
      shutdown: () => Promise.resolve(void (stopped = true)),
      auth: required,
    });
    const res = await app.request("/_quit", { method: "POST" });
    assert.equal(res.status, 401);
    await res.body?.cancel();
    await new Promise((r) => setTimeout(r, 30)); // /_quit schedules its shutdown after 10 ms
    assert.equal(stopped, false);
  } finally {
    await t.close();
  }
});

Deno.test("login form → HttpOnly SameSite=Strict cookie → the API answers", async () => {
  await withAuth(required, async (app) => {
    const form = new URLSearchParams({ token: TOKEN, next: "/source_list" });
    const res = await app.request("/login", { method: "POST", body: form });
    assert.equal(res.status, 303);
    assert.equal(res.headers.get("location"), "/source_list");
    const cookie = res.headers.get("set-cookie") ?? "";
    assert.match(cookie, /^visionroi_token=/);
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    assert.doesNotMatch(cookie, /Secure/, "plain http: no Secure flag");
    const pair = cookie.split(";")[0];
    const api = await app.request("/source_list", { headers: { cookie: pair } });
    assert.equal(api.status, 200);
    await api.body?.cancel();
    const https = await app.request("https://localhost/login", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token: TOKEN }),
    });
    assert.equal(https.status, 200);
    assert.deepEqual(await https.json(), { status: "logged_in" });
    assert.match(https.headers.get("set-cookie") ?? "", /Secure/);
  });
});

Deno.test("login with a wrong token → 401 and no cookie; next never leaves the server", async () => {
  await withAuth(required, async (app) => {
    const res = await app.request("/login", {
      method: "POST",
      body: new URLSearchParams({ token: "nope", next: "//evil.example/" }),
    });
    assert.equal(res.status, 401);
    assert.equal(res.headers.get("set-cookie"), null);
    const page = await res.text();
    assert.match(page, /Wrong token/);
    assert.match(page, /name="next" value="\/"/);
    const bad = await app.request("/data_sources", { headers: { cookie: "visionroi_token=nope" } });
    assert.equal(bad.status, 401);
    await bad.body?.cancel();
  });
  assert.equal(safeNext("https://evil.example/"), "/");
  assert.equal(safeNext("/\\evil.example"), "/");
  assert.equal(safeNext("/ok?x=1"), "/ok?x=1");
});

Deno.test("cross-origin writes → 403 even on loopback; same-origin and Origin-less pass", async () => {
  await withAuth(undefined, async (app) => {
    const evil = await app.request("/stop_roi_stream/cam1", {
      method: "POST",
      headers: { origin: "http://evil.example" },
    });
    assert.equal(evil.status, 403);
    assert.deepEqual(await evil.json(), {
      status: "error",
      message: "cross-origin request refused",
    });
    const nullOrigin = await app.request("/stop_roi_stream/cam1", {
      method: "POST",
      headers: { origin: "null" },
    });
    assert.equal(nullOrigin.status, 403);
    await nullOrigin.body?.cancel();
    const fetchSite = await app.request("/stop_roi_stream/cam1", {
      method: "POST",
      headers: { "sec-fetch-site": "cross-site" },
    });
    assert.equal(fetchSite.status, 403);
    await fetchSite.body?.cancel();
    const same = await app.request("http://localhost:5000/stop_roi_stream/cam1", {
      method: "POST",
      headers: { origin: "http://localhost:5000", host: "localhost:5000" },
    });
    assert.equal(same.status, 200);
    assert.equal((await same.json()).status, "no_task");
    const plain = await app.request("/stop_roi_stream/cam1", { method: "POST" });
    assert.equal(plain.status, 200, "curl and tests send no Origin");
    await plain.body?.cancel();
    const read = await app.request("/data_sources", { headers: { origin: "http://evil.example" } });
    assert.equal(read.status, 200, "loopback reads need nothing (no CORS headers are sent)");
    assert.equal(read.headers.get("access-control-allow-origin"), null);
    await read.body?.cancel();
  });
});

Deno.test("WebSocket upgrade: foreign Origin → 403; off loopback no token → 401", async () => {
  const upgrade = (origin?: string, extra: Record<string, string> = {}) => ({
    headers: {
      upgrade: "websocket",
      connection: "Upgrade",
      "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
      "sec-websocket-version": "13",
      host: "localhost",
      ...(origin ? { origin } : {}),
      ...extra,
    },
  });
  await withAuth(undefined, async (app) => {
    const foreign = await app.request(
      "http://localhost/ws_roi_result/cam1",
      upgrade("http://evil.example"),
    );
    assert.equal(foreign.status, 403);
    assert.deepEqual(await foreign.json(), {
      status: "error",
      message: "cross-origin WebSocket refused",
    });
  });
  await withAuth(required, async (app) => {
    const anon = await app.request("http://localhost/ws/cam1", upgrade("http://localhost"));
    assert.equal(anon.status, 401);
    await anon.body?.cancel();
    const foreign = await app.request(
      "http://localhost/ws/cam1",
      upgrade("http://evil.example", { cookie: `visionroi_token=${TOKEN}` }),
    );
    assert.equal(foreign.status, 403, "the cookie does not excuse a foreign Origin");
    await foreign.body?.cancel();
  });
});

Deno.test("loopback without a token: a foreign Host (DNS rebinding) → 403", async () => {
  await withAuth(undefined, async (app) => {
    const rebound = await app.request("http://evil.example:5000/data_sources", {
      headers: { host: "evil.example:5000" },
    });
    assert.equal(rebound.status, 403);
    assert.match((await rebound.json()).message, /host not allowed/);
    for (const host of ["127.0.0.1:5000", "localhost:5000", "[::1]:5000", "127.255.0.1"]) {
      const ok = await app.request(`http://${host}/data_sources`, { headers: { host } });
      assert.equal(ok.status, 200, host);
      await ok.body?.cancel();
    }
    // Names an attacker can point at 127.0.0.1 are not loopback, whatever they start with.
    for (
      const host of [
        "127.9.9.9.attacker.example",
        "127.0.0.1.nip.io:5000",
        "localhost.attacker.example",
        "app.localhost",
        "10.0.0.5",
      ]
    ) {
      const res = await app.request(`http://${host}/data_sources`, {
        headers: { host, origin: `http://${host}` },
      });
      assert.equal(res.status, 403, host);
      await res.body?.cancel();
    }
  });
  await withAuth(required, async (app) => {
    const proxied = await app.request("http://visionroi.example/data_sources", {
      headers: { host: "visionroi.example", authorization: `Bearer ${TOKEN}` },
    });
    assert.equal(proxied.status, 200, "with the token any Host is fine (reverse proxies)");
    await proxied.body?.cancel();
    const anon = await app.request("http://visionroi.example/login", {
      headers: { host: "visionroi.example" },
    });
    assert.equal(anon.status, 403, "without the token an unknown name gets 403, not 401");
    assert.match((await anon.json()).message, /host not allowed/);
    const health = await app.request("http://visionroi.example/_healthz");
    assert.equal(health.status, 200, "health checks pass under any name");
    await health.body?.cancel();
    const lan = await app.request("http://192.168.1.5:5000/data_sources");
    assert.equal(lan.status, 401, "an IP literal is no rebinding name: the token decides");
    await lan.body?.cancel();
  });
  await withAuth(required, async (app) => {
    for (const host of ["visionroi.example", "cam.site.example"]) {
      const res = await app.request(`http://${host}/login`);
      assert.equal(res.status, 200, `${host} is allowed by --allowed-hosts`);
      await res.body?.cancel();
    }
  }, ["--allowed-hosts", "visionroi.example,.site.example"]);
});

Deno.test("a context without a policy fails closed off loopback", async () => {
  await withAuth(undefined, async (app) => {
    const res = await app.request("/data_sources", { headers: { authorization: "Bearer x" } });
    assert.equal(res.status, 401);
    await res.body?.cancel();
  }, ["--auth", "required"]);
});

Deno.test("token file: created once with mode 0600, reused, loose modes tightened", async () => {
  const dir = await Deno.makeTempDir({ prefix: "visionroi-token-" });
  try {
    const first = await loadOrCreateToken(dir);
    assert.equal(first.created, true);
    assert.match(first.token, /^[A-Za-z0-9_-]{43}$/, "32 random bytes as base64url");
    assert.equal((await Deno.stat(`${dir}/${TOKEN_FILE}`)).mode! & 0o777, 0o600);
    const again = await loadOrCreateToken(dir);
    assert.deepEqual([again.created, again.token], [false, first.token]);
    await Deno.chmod(`${dir}/${TOKEN_FILE}`, 0o644);
    await loadOrCreateToken(dir);
    assert.equal((await Deno.stat(`${dir}/${TOKEN_FILE}`)).mode! & 0o777, 0o600);
    await Deno.writeTextFile(`${dir}/${TOKEN_FILE}`, "short\n");
    await assert.rejects(loadOrCreateToken(dir), /at least 32 characters/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("policy: loopback + auto needs no token and writes none; --auth required does", async () => {
  const dir = await Deno.makeTempDir({ prefix: "visionroi-policy-" });
  try {
    const loop = await loadAccessPolicy(loadConfig(["--data-dir", dir], () => undefined));
    assert.deepEqual(loop, { required: false, allowedHosts: [] });
    await assert.rejects(Deno.stat(`${dir}/${TOKEN_FILE}`), Deno.errors.NotFound);
    const forced = await loadAccessPolicy(
      loadConfig(["--data-dir", dir, "--auth", "required"], () => undefined),
    );
    assert.equal(forced.required, true);
    assert.equal(forced.created, true);
    const wide = await loadAccessPolicy(
      loadConfig(["--data-dir", dir, "--host", "0.0.0.0"], () => undefined),
    );
    assert.deepEqual([wide.required, wide.created, wide.token], [true, false, forced.token]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  assert.equal(tokensEqual("abc", "abc"), true);
  assert.equal(tokensEqual("abc", "abd"), false);
  assert.equal(tokensEqual("abc", "abcd"), false);
});
