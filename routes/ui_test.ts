/** UI routes over `app.request()`: redirects, pages with CSP and island scripts, the bundle's files, `/api/modules`. */
import assert from "node:assert/strict";
import { testApp } from "../tests/helpers/app.ts";
import { buildUi, uiIsStale } from "../scripts/build_ui.ts";

Deno.test("/ and /dashboard redirect to /home; every page renders with its island and a strict CSP", async () => {
  if (await uiIsStale()) await buildUi();
  const t = await testApp();
  try {
    for (const path of ["/", "/dashboard"]) {
      const res = await t.app.request(path);
      assert.equal(res.status, 302);
      assert.equal(res.headers.get("location"), "/home");
    }
    const islands: Record<string, string> = {
      "/home": "Home",
      "/create_source": "Sources",
      "/roi": "RoiEditor",
      "/inference": "InferencePanels",
      "/inference_page": "InferencePanels",
      "/create_mqtt": "MqttConfigs",
      "/webhooks": "Webhooks",
    };
    for (const [path, island] of Object.entries(islands)) {
      const res = await t.app.request(path);
      assert.equal(res.status, 200, path);
      const page = await res.text();
      assert.match(page, new RegExp(`data-island="${island}"`), path);
      assert.match(page, new RegExp(`<script type="module" src="/static/ui/${island}-\\w+\\.js"`));
      assert.match(page, /<link rel="stylesheet" href="\/static\/ui\/app-\w+\.css"/);
      const csp = res.headers.get("content-security-policy") ?? "";
      assert.match(csp, /script-src 'self'/);
      assert.doesNotMatch(
        page,
        /https?:\/\/(?!127\.0\.0\.1)/,
        `${path} loads nothing from elsewhere`,
      );
    }
    const docs = await (await t.app.request("/docs")).text();
    assert.ok(docs.includes('href="/api/docs"'), "docs link the API reference");
  } finally {
    await t.close();
  }
});

Deno.test("query values reach island props as JSON in an attribute, never as markup", async () => {
  const t = await testApp();
  try {
    const evil = `"><script>alert(1)</script>`;
    const page = await (await t.app.request(`/roi?source=${encodeURIComponent(evil)}`)).text();
    assert.equal(page.includes("<script>alert(1)</script>"), false);
    const props = /data-props="([^"]*)"/.exec(page)?.[1] ?? "";
    const decoded = props.replaceAll("&quot;", '"').replaceAll("&lt;", "<").replaceAll("&gt;", ">")
      .replaceAll("&amp;", "&");
    assert.equal(JSON.parse(decoded).source, evil);
  } finally {
    await t.close();
  }
});

Deno.test("/static serves the bundle with content types and year-long caching; nothing else", async () => {
  if (await uiIsStale()) await buildUi();
  const t = await testApp();
  try {
    const page = await (await t.app.request("/home")).text();
    const js = /src="(\/static\/ui\/[^"]+\.js)"/.exec(page)![1];
    const css = /href="(\/static\/ui\/[^"]+\.css)"/.exec(page)![1];
    const a = await t.app.request(js);
    assert.equal(a.status, 200);
    assert.equal(a.headers.get("content-type"), "text/javascript; charset=utf-8");
    assert.match(a.headers.get("cache-control") ?? "", /max-age=31536000, immutable/);
    assert.ok((await a.text()).length > 100);
    const b = await t.app.request(css);
    assert.equal(b.headers.get("content-type"), "text/css; charset=utf-8");
    assert.match(await b.text(), /\.uplot/, "uPlot's styles are bundled");
    for (
      const bad of [
        "/static/ui/../deno.json",
        "/static/ui/%2e%2e/deno.json",
        "/static/deno.json",
        "/static/ui/nope.js",
      ]
    ) {
      const res = await t.app.request(bad);
      assert.equal(res.status, 404, bad);
      await res.body?.cancel();
    }
  } finally {
    await t.close();
  }
});

Deno.test("/api/modules lists each module with its params as JSON Schema", async () => {
  const t = await testApp();
  try {
    const list = await (await t.app.request("/api/modules")).json() as {
      name: string;
      params_schema: { type: string; properties: Record<string, { default?: unknown }> };
    }[];
    const digits = list.find((m) => m.name === "digits")!;
    assert.equal(digits.params_schema.type, "object");
    assert.equal(digits.params_schema.properties.allow.default, "0123456789.-");
    assert.ok(list.some((m) => m.name === "light_button"));
  } finally {
    await t.close();
  }
});
