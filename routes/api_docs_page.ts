/** Renders an OpenAPI document as one readable HTML page, server-side, with no scripts. */
import { html, raw } from "hono/html";

type Json = Record<string, unknown>;
type Html = ReturnType<typeof html>;

const METHODS = ["get", "post", "put", "patch", "delete"];

const STYLE =
  `body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;
line-height:1.4;color:#222}h2{border-bottom:1px solid #ccc;margin-top:2.5rem}
section{border:1px solid #ddd;border-radius:6px;padding:.6rem 1rem;margin:1rem 0}
h3{margin:.2rem 0;font-size:1.05rem}.m{display:inline-block;min-width:4.2rem;font:bold .8rem monospace;
text-transform:uppercase;padding:.15rem .4rem;border-radius:4px;color:#fff;background:#555;
text-align:center}.get{background:#2a6fb0}.post{background:#2e8b57}.patch{background:#b8860b}
.delete{background:#b22222}.put{background:#6a5acd}table{border-collapse:collapse;margin:.4rem 0}
td,th{border:1px solid #ddd;padding:.2rem .5rem;text-align:left;vertical-align:top;font-size:.9rem}
code{font-size:.9rem}.t{color:#555;font-family:monospace}.open{color:#2e8b57;font-size:.8rem}`;

/** The page: operations grouped by tag, each with parameters, body fields and responses. */
export function renderApiDocs(doc: Json): Html {
  const info = doc.info as Json;
  const ops = operations(doc);
  const tags = [...new Set(ops.map((o) => String((o.op.tags as string[])?.[0] ?? "other")))];
  return html`
    <!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8">
        <title>${String(info.title)} API</title>
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <style>${raw(STYLE)}</style>
      </head>
      <body><h1>${String(info.title)} API <small>${String(info.version)}</small></h1>
    <p>${String(info.description ?? "")} The machine-readable document is
    <a href="/openapi.json"><code>/openapi.json</code></a> (OpenAPI ${String(doc.openapi)}).</p>
    <p>Off loopback every route not marked <span class="open">open</span> needs the access token:
    <code>Authorization: Bearer &lt;token&gt;</code> or the cookie set by <a href="/login">/login</a>.</p>
    <nav><ul>${tags.map((t) => html`<li><a href="#tag-${t}">${t}</a></li>`)}</ul></nav>
    ${tags.map((t) =>
      html`<h2 id="tag-${t}">${t}</h2>${
        ops.filter((o) => (o.op.tags as string[])?.[0] === t).map((o) => operationHtml(o))
      }`
    )}
      </body>
    </html>
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
  return html`<section id="${String(op.operationId)}">
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
