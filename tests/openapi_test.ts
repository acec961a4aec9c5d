/** `/openapi.json` is OpenAPI 3.1, lists every route the app serves, and `/api/docs` renders it. */
import assert from "node:assert/strict";
import { testApp } from "./helpers/app.ts";
import { typeText } from "../routes/api_docs_page.ts";
import { documentProblems } from "./helpers/openapi_check.ts";

const METHODS = ["get", "post", "put", "patch", "delete"];

/**
 * Routes of the Hono app as `METHOD /path/{param}`. Excluded: middleware registered with
 * `app.use` (method ALL on a `*` path: access control), which is no route of its own.
 */
function servedRoutes(routes: readonly { method: string; path: string }[]): Set<string> {
  const out = new Set<string>();
  for (const r of routes) {
    if (r.method === "ALL" && r.path.includes("*")) continue;
    const path = r.path.replace(/:([A-Za-z0-9_]+)(\{[^}]*\})?\??/g, "{$1}");
    out.add(`${r.method.toLowerCase()} ${path}`);
  }
  return out;
}

type Json = Record<string, unknown>;

function documentedRoutes(doc: Json): Set<string> {
  const out = new Set<string>();
  for (const [path, item] of Object.entries(doc.paths as Record<string, Json>)) {
    for (const method of Object.keys(item)) out.add(`${method} ${path}`);
  }
  return out;
}

Deno.test("openapi.json is OpenAPI 3.1 and describes exactly the routes the app serves", async () => {
  const t = await testApp();
  try {
    const res = await t.app.request("/openapi.json");
    assert.equal(res.status, 200);
    const doc = await res.json() as Json;
    assert.match(String(doc.openapi), /^3\.1\.\d+$/);
    const info = doc.info as Json;
    assert.equal(typeof info.title, "string");
    assert.equal(typeof info.version, "string");
    const paths = doc.paths as Record<string, Json>;
    for (const [path, item] of Object.entries(paths)) {
      assert.ok(path.startsWith("/"), `path ${path} starts with /`);
      const ops = Object.keys(item);
      assert.ok(ops.length > 0, `${path} has operations`);
      for (const method of ops) {
        assert.ok(METHODS.includes(method), `${path}: ${method} is an HTTP method`);
        const op = item[method] as Json;
        const responses = op.responses as Record<string, Json>;
        assert.ok(Object.keys(responses).length > 0, `${method} ${path} has responses`);
        for (const [code, r] of Object.entries(responses)) {
          assert.match(code, /^[1-5]\d\d$/);
          assert.equal(typeof r.description, "string", `${method} ${path} ${code} description`);
        }
        const names = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
        const inPath = ((op.parameters as Json[] | undefined) ?? [])
          .filter((p) => p.in === "path").map((p) => p.name);
        assert.deepEqual(inPath, names, `${method} ${path} path parameters`);
      }
    }
    const served = servedRoutes(t.app.routes);
    const documented = documentedRoutes(doc);
    const undocumented = [...served].filter((r) => !documented.has(r));
    const stale = [...documented].filter((r) => !served.has(r));
    assert.deepEqual(undocumented, [], "routes without a description in routes/api_routes*.ts");
    assert.deepEqual(stale, [], "descriptions of routes the app does not serve");
    assert.ok(served.size >= 30, `expected the whole API, got ${served.size} routes`);
  } finally {
    await t.close();
  }
});

Deno.test("openapi request schemas come from the zod schemas the routes validate with", async () => {
  const t = await testApp();
  try {
    const doc = await (await t.app.request("/openapi.json")).json();
    const op = doc.paths["/start_roi_stream/{cam_id}"].post;
    const schema = op.requestBody.content["application/json"].schema;
    assert.deepEqual(schema.properties.stream_type.enum, ["opencv", "ffmpeg"]);
    // width accepts a number, a numeric string or null (the route's input, before its transform).
    assert.deepEqual(schema.properties.width.type, ["number", "string", "null"]);
    const job = doc.paths["/start_inference/{cam_id}"].post.requestBody.content["application/json"]
      .schema;
    assert.ok(job.properties.interval && job.properties.stream_type, "settings + job fields");
    const save = doc.paths["/save_roi"].post.requestBody.content["application/json"].schema;
    assert.equal(save.properties.rois.type, "array");
    assert.equal(JSON.stringify(doc).includes('"$schema"'), false, "no nested $schema");
    assert.deepEqual(doc.paths["/_healthz"].get.security, [], "health is open");
    assert.equal(doc.paths["/api/cameras"].get.security, undefined, "global security applies");
  } finally {
    await t.close();
  }
});

Deno.test("openapi.json validates against the OpenAPI 3.1 schema, its schemas as 2020-12", async () => {
  const t = await testApp();
  try {
    const doc = await (await t.app.request("/openapi.json")).json();
    assert.deepEqual(documentProblems(doc), []);
    // The check can fail: a response without its required description, a bad schema keyword.
    const broken = structuredClone(doc);
    delete broken.paths["/_healthz"].get.responses["200"].description;
    broken.paths["/api/jobs"].get.responses["200"].content["application/json"].schema = {
      type: "no-such-type",
    };
    const problems = documentProblems(broken);
    assert.ok(problems.some((p) => p.includes("description")), problems.join("\n"));
    assert.ok(problems.some((p) => p.startsWith("/paths//api/jobs")), problems.join("\n"));
  } finally {
    await t.close();
  }
});

Deno.test("every operation declares the answers every route can give, with their schemas", async () => {
  const t = await testApp();
  try {
    const doc = await (await t.app.request("/openapi.json")).json();
    for (const [path, item] of Object.entries(doc.paths as Record<string, Json>)) {
      for (const [method, op] of Object.entries(item as Record<string, Json>)) {
        const responses = op.responses as Record<string, Json>;
        const name = `${method} ${path}`;
        for (const code of ["403", "500"]) {
          const json = (responses[code]?.content as Json)?.["application/json"] as Json;
          assert.ok(json?.schema, `${name} declares ${code} with the error schema`);
        }
        if (op.security === undefined) assert.ok(responses["401"], `${name} declares 401`);
        if (method !== "get") assert.ok(responses["413"], `${name} declares 413`);
        const inputs = (op.parameters as Json[] | undefined)?.length || op.requestBody;
        if (inputs) assert.ok(responses["400"], `${name} has input and declares 400`);
      }
    }
    const login = doc.paths["/login"].post.responses;
    assert.ok(login["429"].headers["Retry-After"], "429 says when to try again");
    for (
      const [path, method] of [
        ["/api/batch", "post"],
        ["/save_roi", "post"],
        ["/create_source", "post"],
        ["/update_source/{name}", "patch"],
        ["/rename_source/{name}", "patch"],
        ["/update_stream_type/{name}", "patch"],
        ["/mqtt_configs", "post"],
        ["/mqtt_configs/{name}", "put"],
        ["/stop_inference/{cam_id}", "post"],
      ]
    ) assert.ok(doc.paths[path][method].responses["507"], `${method} ${path} declares 507`);
    const results = doc.paths["/api/results"].get.responses["200"].content;
    assert.deepEqual(Object.keys(results).sort(), ["application/json", "text/csv"]);
    assert.equal(results["application/json"].schema.properties.rows.type, "array");
    const load = doc.paths["/load_roi/{name}"].get.responses["200"].content["application/json"];
    assert.deepEqual(load.schema.required.sort(), ["filename", "rois"]);
    const refused = doc.paths["/start_inference/{cam_id}"].post.responses["400"].content[
      "application/json"
    ].schema;
    const roiRunning = refused.anyOf.find((s: Json) =>
      (s.properties as Json).status && ((s.properties as Json).status as Json).const ===
        "roi_running"
    );
    assert.deepEqual(roiRunning.required.sort(), ["cam_id", "message", "status"]);
  } finally {
    await t.close();
  }
});

Deno.test("/api/docs renders every operation as HTML without scripts", async () => {
  const t = await testApp();
  try {
    const res = await t.app.request("/api/docs");
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /text\/html/);
    const page = await res.text();
    assert.equal(/<script/i.test(page), false);
    assert.match(res.headers.get("content-security-policy") ?? "", /default-src 'none'/);
    for (const path of ["/start_inference/{cam_id}", "/save_roi", "/metrics", "/ws/{cam_id}"]) {
      assert.ok(page.includes(`<code>${path}</code>`), `docs page lists ${path}`);
    }
    assert.ok(page.includes("&quot;opencv&quot; | &quot;ffmpeg&quot;"), "body field types shown");
    // The app's shell and navigation: the site's top bar, and a list of every operation.
    assert.ok(page.includes('<nav class="nav" aria-label="Main">'), "the site navigation");
    assert.match(page, /<a\s+href="\/api\/docs"\s+aria-current="page">API<\/a>/);
    assert.ok(page.includes('href="#tag-jobs"'), "sections are linked");
    assert.ok(page.includes('class="api-nav card"'), "operations listed beside them");
  } finally {
    await t.close();
  }
});

Deno.test("typeText writes JSON Schemas as short type expressions", () => {
  assert.equal(typeText({ type: ["string", "null"] }), "string | null");
  assert.equal(typeText({ type: "array", items: { type: "number" } }), "array of number");
  assert.equal(typeText({ enum: ["a", "b"] }), '"a" | "b"');
  assert.equal(typeText({ type: "object", properties: { x: {}, y: {} } }), "{x, y}");
  assert.equal(typeText({}), "any");
});
