/**
 * An input that keeps what the user types until it is committed (Enter or leaving the field) and
 * reverts on Escape, so live re-renders (frames, polls) never overwrite a half-typed value.
 */
import { useState } from "preact/hooks";

/** Props: the committed `value`, `onCommit`, and the input attributes the UI uses. */
export interface DraftInputProps {
  value: string;
  onCommit(v: string): void | Promise<unknown>;
  name?: string;
  type?: "text" | "number";
  min?: number;
  max?: number;
  step?: number | "any";
  placeholder?: string;
  disabled?: boolean;
  list?: string;
  title?: string;
  "aria-label"?: string;
}

/** The input. */
export function DraftInput({ value, onCommit, ...rest }: DraftInputProps) {
  const [draft, setDraft] = useState<string | null>(null);
  return (
    <input
      {...rest}
      value={draft ?? value}
      onInput={(e) => setDraft(e.currentTarget.value)}
      onChange={async (e) => {
        const v = e.currentTarget.value;
        if (v !== value) await onCommit(v);
        setDraft(null);
      }}
      onKeyDown={(e) => {
        if (e.key === "Enter") e.currentTarget.blur();
        if (e.key === "Escape") setDraft(null);
      }}
    />
  );
}
