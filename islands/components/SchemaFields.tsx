/** Form fields generated from a module's params JSON Schema; an empty field means the default. */
import type { JsonSchema } from "../stores/types.ts";
import { DraftInput } from "./DraftInput.tsx";

/** Props of {@linkcode SchemaFields}. */
export interface SchemaFieldsProps {
  schema: JsonSchema;
  values: Record<string, unknown>;
  /** Called with the new params (a cleared field is removed, so its default applies). */
  onChange(params: Record<string, unknown>): void;
  /** Inputs are named `<prefix>-<key>` ["param"]. */
  namePrefix?: string;
}

function kindOf(s: JsonSchema): string {
  const t = Array.isArray(s.type) ? s.type.find((x) => x !== "null") : s.type;
  if (s.enum) return "enum";
  return t ?? "string";
}

/** One input per property. */
export function SchemaFields(
  { schema, values, onChange, namePrefix = "param" }: SchemaFieldsProps,
) {
  const props = Object.entries(schema.properties ?? {});
  if (props.length === 0) return <p class="muted small">This module has no settings.</p>;
  const set = (key: string, v: unknown) => {
    const next = { ...values };
    if (v === undefined || v === "") delete next[key];
    else next[key] = v;
    onChange(next);
  };
  return (
    <div class="form-grid">
      {props.map(([key, s]) => {
        const kind = kindOf(s);
        const cur = values[key];
        const hint = s.default !== undefined ? `default ${JSON.stringify(s.default)}` : "optional";
        if (kind === "boolean") {
          return (
            <label class="check" key={key} title={s.description}>
              <input
                type="checkbox"
                checked={cur === undefined ? s.default === true : cur === true}
                onChange={(e) => set(key, e.currentTarget.checked)}
              />
              {key}
            </label>
          );
        }
        if (kind === "enum") {
          return (
            <label key={key} title={s.description}>
              {key}
              <select
                value={cur === undefined ? "" : String(cur)}
                onChange={(e) => set(key, e.currentTarget.value || undefined)}
              >
                <option value="">{hint}</option>
                {(s.enum ?? []).map((o) => (
                  <option key={String(o)} value={String(o)}>{String(o)}</option>
                ))}
              </select>
            </label>
          );
        }
        const numeric = kind === "number" || kind === "integer";
        return (
          <label key={key} title={s.description}>
            {key}
            <DraftInput
              name={`${namePrefix}-${key}`}
              type={numeric ? "number" : "text"}
              step={kind === "integer" ? 1 : "any"}
              min={s.minimum}
              max={s.maximum}
              placeholder={hint}
              value={cur === undefined ? "" : String(cur)}
              onCommit={(raw) => set(key, numeric ? (raw === "" ? undefined : Number(raw)) : raw)}
            />
          </label>
        );
      })}
    </div>
  );
}
