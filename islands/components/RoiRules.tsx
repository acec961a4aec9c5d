/** A ROI's plausibility rules (fields generated from the rules schema), its last status and PreValue, and "Set PreValue". */
import { useState } from "preact/hooks";
import type { JsonSchema, PreValueView } from "../stores/types.ts";
import { SchemaFields } from "./SchemaFields.tsx";
import { StatusBadge } from "./StatusBadge.tsx";
import { type Note, Notice } from "./Notice.tsx";

/** Props of {@linkcode RoiRules}. */
export interface RoiRulesProps {
  schema: JsonSchema;
  rules: Record<string, unknown> | null | undefined;
  /** The ROI's PreValue and last status (undefined: none yet). */
  prevalue: PreValueView | undefined;
  /** Called with the new rules (undefined: no rules). */
  onChange(rules: Record<string, unknown> | undefined): void;
  /** Sets the PreValue; rejects with the server's message. */
  onSetPreValue(value: string): Promise<void>;
}

const time = (s: number | null) => (s === null ? "—" : new Date(s * 1000).toLocaleTimeString());

/** The last judged reading and the PreValue. */
function Status({ p }: { p: PreValueView | undefined }) {
  if (!p) return <p class="muted small" data-testid="roi-status">No reading judged yet.</p>;
  const last = p.last;
  return (
    <div class="stack small" data-testid="roi-status">
      {last && (
        <p>
          Last reading <b class="mono">{last.text}</b>{" "}
          <StatusBadge state={last.status} title={last.reason} />{" "}
          {last.reason && <span data-testid="roi-reason">{last.reason}</span>}{" "}
          <span class="muted">{time(last.time)}</span>
        </p>
      )}
      <p>
        PreValue <b class="mono" data-testid="roi-prevalue">{p.value ?? "—"}</b>{" "}
        <span class="muted">since {time(p.time)}</span>
        {p.pending && (
          <span class="muted">
            {` · pending ${p.pending.value} (${p.pending.count} agreeing)`}
          </span>
        )}
      </p>
    </div>
  );
}

/** The rules section of the ROI form. */
export function RoiRules(p: RoiRulesProps) {
  const [draft, setDraft] = useState("");
  const [note, setNote] = useState<Note>(null);
  const set = async () => {
    try {
      await p.onSetPreValue(draft);
      setNote({ kind: "ok", text: `PreValue set to ${draft}.` });
    } catch (err) {
      setNote({ kind: "error", text: (err as Error).message });
    }
  };
  return (
    <details class="stack" open={!!p.rules}>
      <summary>Plausibility rules</summary>
      <SchemaFields
        schema={p.schema}
        values={p.rules ?? {}}
        namePrefix="rule"
        onChange={(r) => p.onChange(Object.keys(r).length ? r : undefined)}
      />
      <Status p={p.prevalue} />
      <div class="row">
        <label>
          PreValue
          <input
            name="prevalue"
            value={draft}
            placeholder="e.g. 1234.5"
            onInput={(e) => setDraft(e.currentTarget.value)}
          />
        </label>
        <button type="button" onClick={set}>Set PreValue</button>
      </div>
      <Notice note={note} />
    </details>
  );
}
