/**
 * `GET /login` (a form), `POST /login` (the token → an HttpOnly, SameSite=Strict cookie holding a
 * new session id; Secure on https) and `POST /logout` (ends the session). Server-rendered, no
 * scripts; the page is the only login asset. Wrong tokens count towards the address's limit.
 */
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { html } from "hono/html";
import { z } from "zod";
import { type AccessPolicy, AUTH_COOKIE, clientAddress, tokensEqual } from "./auth.ts";

/** Body of `POST /login` (form fields or JSON). */
export const loginBodySchema = z.object({
  token: z.string().max(1000).describe("the access token printed at first start"),
  next: z.string().max(2000).optional().describe("local path to go to after login"),
});

const COOKIE_MAX_AGE_S = 30 * 24 * 3600;

const PAGE_HEADERS = {
  "content-security-policy":
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
  "x-frame-options": "DENY",
  // Not no-referrer: under it Chrome posts the form with `Origin: null`, which the CSRF check refuses.
  "referrer-policy": "same-origin",
  "cache-control": "no-store",
};

/** A redirect target that stays on this server: a path, never `//host` or a URL. */
export function safeNext(raw: string | undefined): string {
  if (!raw || !raw.startsWith("/") || raw.startsWith("//") || /[\\\s\p{Cc}]/u.test(raw)) {
    return "/";
  }
  return raw;
}

/** The login page; `error` is shown above the form. */
function loginPage(next: string, error?: string) {
  return html`
    <!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8">
        <title>VisionROI · sign in</title>
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <style>body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;
    background:#f4f6f9;color:#1c2430;line-height:1.45}header{background:#111827;color:#fff;
    padding:.7rem 1rem;font-weight:700}header span{color:#60a5fa}main{margin:3rem auto;
    max-width:26rem;padding:1.2rem 1.4rem;background:#fff;border:1px solid #dde2ea;border-radius:8px}
    h1{font-size:1.35rem;margin:0 0 .75rem}label{font-size:.85rem;color:#5b6675}
    input{width:100%;padding:.45rem .5rem;margin:.3rem 0 1rem;box-sizing:border-box;font:inherit;
    border:1px solid #c4cbd6;border-radius:6px}button{padding:.4rem 1.1rem;font:inherit;
    border-radius:6px;border:1px solid #2563eb;background:#2563eb;color:#fff;cursor:pointer}
    .err{background:#fef2f2;color:#b91c1c;padding:.5rem .75rem;border-radius:6px}
    code{font-size:.9em}</style>
      </head>
      <body>
        <header>Vision<span>ROI</span></header>
        <main><h1>Sign in</h1>
    <p>This server is reachable from the network, so it needs its access token. The token was printed
    when the server first started and is stored in <code>.access_token</code> in its data dir.</p>
    ${error ? html`<p class="err" role="alert">${error}</p>` : ""}
    <form method="post" action="/login">
    <label for="token">Access token</label>
    <input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
    <input type="hidden" name="next" value="${next}">
    <button type="submit">Sign in</button>
    </form></main>
      </body>
    </html>
  `;
}

/** Reads `{token, next}` from a JSON or form body; `json` tells which kind answered. */
async function readLogin(c: Context): Promise<{ body: unknown; json: boolean }> {
  const type = c.req.header("content-type") ?? "";
  if (type.includes("json")) return { body: await c.req.json(), json: true };
  if (type.includes("form")) {
    let form: FormData;
    try {
      form = await c.req.formData();
    } catch (err) {
      // Deno's parser throws a TypeError for a broken body or a part name with NUL: bad input.
      if (err instanceof TypeError) throw new RangeError(`invalid form body: ${err.message}`);
      throw err;
    }
    return {
      body: Object.fromEntries([...form].filter(([, v]) => typeof v === "string")),
      json: false,
    };
  }
  throw new RangeError(
    `invalid content-type ${JSON.stringify(type)}: expected a form or application/json`,
  );
}

/** The login sub-app over `policy`. */
export function loginRoutes(policy: AccessPolicy): Hono {
  const app = new Hono();

  app.get("/login", (c) => {
    const next = safeNext(c.req.query("next"));
    if (!policy.required) return c.redirect(next, 302);
    return c.html(loginPage(next), 200, PAGE_HEADERS);
  });

  app.post("/login", bodyLimit({ maxSize: 16 * 1024 }), async (c) => {
    const { body, json } = await readLogin(c);
    const { token, next: rawNext } = loginBodySchema.parse(body);
    const next = safeNext(rawNext);
    if (!policy.required) {
      return json ? c.json({ status: "not_required" }) : c.redirect(next, 303);
    }
    if (!policy.token || !policy.sessions || !tokensEqual(token, policy.token)) {
      policy.guesses?.fail(clientAddress(c));
      if (json) return c.json({ status: "error", message: "wrong token" }, 401);
      return c.html(loginPage(next, "Wrong token."), 401, PAGE_HEADERS);
    }
    const session = await policy.sessions.create("admin");
    setCookie(c, AUTH_COOKIE, session, {
      path: "/",
      httpOnly: true,
      sameSite: "Strict",
      secure: isHttps(c),
      maxAge: COOKIE_MAX_AGE_S,
    });
    return json ? c.json({ status: "logged_in" }) : c.redirect(next, 303);
  });

  app.post("/logout", async (c) => {
    const session = getCookie(c, AUTH_COOKIE);
    if (session !== undefined) await policy.sessions?.revoke(session);
    deleteCookie(c, AUTH_COOKIE, { path: "/", secure: isHttps(c) });
    const wantsJson = (c.req.header("accept") ?? "").includes("json");
    return wantsJson ? c.json({ status: "logged_out" }) : c.redirect("/login", 303);
  });

  return app;
}

/** True when the client reached us over https (directly or through a proxy that says so). */
function isHttps(c: Context): boolean {
  return new URL(c.req.url).protocol === "https:" ||
    c.req.header("x-forwarded-proto")?.split(",")[0].trim() === "https";
}
