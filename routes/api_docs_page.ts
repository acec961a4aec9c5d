/** Renders an OpenAPI document as one readable HTML page, server-side, with no scripts. */
import { html } from "hono/html";

type Json = Record<string, unknown>;
type Html = ReturnType<typeof html>;

const METHODS = ["get", "post", "put", "patch", "delete"];

/**
 * The page's content: a navigation of every operation by tag beside the operations, each with
 * parameters, body fields and responses. The UI's page shell (top navigation, app.css) wraps it,
 * so the reference looks like the rest of VisionROI (`routes/openapi.ts`).
 */
export function renderApiDocs(doc: Json): Html {
  const info = doc.info as Json;
  const ops = operations(doc);
  const tagOf = (o: Op) => String((o.op.tags as string[])?.[0] ?? "other");
  const tags = [...new Set(ops.map(tagOf))];
  return html`
    <div class="api-docs">
      <nav class="api-nav card" aria-label="API operations">
        <b>Operations</b>${tags.map((t) =>
          html`
            <h4><a href="#tag-${t}">${t}</a></h4>
            <ul>${ops.filter((o) => tagOf(o) === t).map((o) =>
              html`<li><a href="#${String(o.op.operationId)}"><span class="m ${o.method}">${
                o.op["x-websocket"] ? "ws" : o.method
              }</span> <code>${o.path}</code></a></li>`
            )}</ul>
          `
        )}
      </nav>
      <div class="api-main"><h1>${String(info.title)} API <small class="muted">${String(
        info.version,
      )}</small></h1>
    <p>${String(info.description ?? "")} The machine-readable document is
    <a href="/openapi.json"><code>/openapi.json</code></a> (OpenAPI ${String(doc.openapi)}).</p>
    <p>Off loopback every route not marked <span class="open">open</span> needs the access token:
    <code>Authorization: Bearer &lt;token&gt;</code> or the cookie set by <a href="/login">/login</a>.</p>
    <nav class="api-tags" aria-label="API sections">${tags.map((t) =>
      html`
        <a class="chip" href="#tag-${t}">${t}</a>
      `
    )}</nav>
    ${tags.map((t) =>
      html`<h2 id="tag-${t}">${t}</h2>${
        ops.filter((o) => tagOf(o) === t).map((o) => operationHtml(o))
      }`
    )}</div>
    </div>
  `;
}

interface Op {
  method: string;
  path: string;
  op: Json;
}

function operations(doc: Json): Op[] {
  const out: Op[] = [];
  for (const [path, item] of Object.entries(doc.paths as Record<string, Json>)) {
    for (const method of METHODS) {
      if (item[method]) out.push({ method, path, op: item[method] as Json });
    }
  }
  return out;
}

function operationHtml({ method, path, op }: Op): Html {
  const params = (op.parameters as Json[] | undefined) ?? [];
  const body = op.requestBody as Json | undefined;
  const responses = Object.entries(op.responses as Record<string, Json>);
  const open = Array.isArray(op.security) && op.security.length === 0;
  return html`<section class="card api-op" id="${String(op.operationId)}">
<h3><span class="m ${method}">${op["x-websocket"] ? "ws" : method}</span> <code>${path}</code>
${open ? html`<span class="open">open</span>` : ""}</h3>
<p>${String(op.summary ?? "")}</p>${op.description ? html`<p>${String(op.description)}</p>` : ""}
${params.length ? html`<h4>Parameters</h4>${paramTable(params)}` : ""}
${body ? bodyHtml(body) : ""}
<h4>Responses</h4><table>${
    responses.map(([code, r]) =>
      html`
        <tr>
          <td><b>${code}</b></td>
          <td>${String(r.description)}</td>
          <td class="t">${Object.keys((r.content as Json | undefined) ?? {}).join(", ")}</td>
        </tr>
      `
    )
  }</table></section>`;
}

function paramTable(params: Json[]): Html {
  return html`<table><tr><th>name</th><th>in</th><th>type</th><th>description</th></tr>${
    params.map((p) =>
      html`
        <tr>
          <td><code>${String(p.name)}</code>${p.required ? "" : "?"}</td>
          <td>${String(p.in)}</td>
          <td class="t">${typeText(p.schema as Json)}</td>
          <td>${String(p.description ?? "")}</td>
        </tr>
      `
    )
  }</table>`;
}

function bodyHtml(body: Json): Html {
  const content = body.content as Record<string, Json>;
  const types = Object.keys(content);
  const schema = content[types[0]].schema as Json;
  const props = schema.properties as Record<string, Json> | undefined;
  const required = new Set((schema.required as string[] | undefined) ?? []);
  return html`<h4>Body${body.required ? "" : " (optional)"} <span class="t">${
    types.join(", ")
  }</span></h4>${
    props
      ? html`<table><tr><th>field</th><th>type</th><th>description</th></tr>${
        Object.entries(props).map(([name, s]) =>
          html`
            <tr>
              <td><code>${name}</code>${required.has(name) ? "" : "?"}</td>
              <td class="t">${typeText(s)}</td>
              <td>${String(s.description ?? "")}</td>
            </tr>
          `
        )
      }</table>`
      : html`<p class="t">${typeText(schema)}</p>`
  }`;
}

/** A JSON Schema as a short type expression: `string | null`, `array of {x, y}`, `"a" | "b"`. */
export function typeText(s: Json | undefined, depth = 0): string {
  if (!s || Object.keys(s).length === 0) return "any";
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (Array.isArray(s.enum)) return s.enum.map((v) => JSON.stringify(v)).join(" | ");
  const alts = (s.anyOf ?? s.oneOf) as Json[] | undefined;
  if (alts) return alts.map((a) => typeText(a, depth)).join(" | ");
  if (Array.isArray(s.type)) return s.type.join(" | ");
  if (s.type === "array") return `array of ${typeText(s.items as Json, depth + 1)}`;
  if (s.type === "object") {
    const props = Object.keys((s.properties as Json | undefined) ?? {});
    if (!props.length) return "object";
    return depth > 1 ? "{…}" : `{${props.join(", ")}}`;
  }
  return String(s.type ?? "any");
}
