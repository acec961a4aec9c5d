/**
 * Plausibility rules of one ROI, pure: the numeric parse rule and the judgement of one reading
 * against the ROI's `rules` and its PreValue (the last accepted value). No I/O and no clock: the
 * caller passes the time and keeps the state ({@linkcode PreValueState}) that comes back.
 */
import type { RoiRules } from "../../storage/roi_rules_schema.ts";

export type { RoiRules } from "../../storage/roi_rules_schema.ts";

/** Why a reading was rejected, as a bounded word (the metrics label). */
export type RejectKind =
  | "not_numeric"
  | "repeats"
  | "min"
  | "max"
  | "decrease"
  | "max_delta"
  | "max_rate"
  /** The module failed to read (`error` set): no value to judge, the PreValue stays. */
  | "error";

/** Every reject kind, for metrics and docs. */
export const REJECT_KINDS: readonly RejectKind[] = [
  "not_numeric",
  "repeats",
  "min",
  "max",
  "decrease",
  "max_delta",
  "max_rate",
  "error",
];

/** A reading that jumped from the PreValue and waits for `confirm_after` agreeing readings. */
export interface PendingLevel {
  value: number;
  /** Ms since the epoch of the newest agreeing reading. */
  time: number;
  /** Consecutive agreeing readings so far. */
  count: number;
}

/** What is kept per ROI between readings (and across restarts). */
export interface PreValueState {
  /** The last accepted value; null when the ROI has none (text ROIs, or never accepted). */
  value: number | null;
  /** The last accepted text. */
  text?: string;
  /** Ms since the epoch when it was accepted (or set by hand). */
  time: number;
  /** A jump waiting for confirmation. */
  pending?: PendingLevel;
}

/** One reading to judge. */
export interface Reading {
  text: string;
  /** The module's own value, used when `numeric` is false. */
  value?: number;
}

/** The judgement of one reading and the state to keep. */
export interface Judgement {
  status: "accepted" | "rejected";
  /** In words, for users: `rate 37/min > 10/min`. */
  reason?: string;
  /** The bounded word of `reason`. */
  kind?: RejectKind;
  /** The reading's value after shift and rounding (also when rejected). */
  value?: number;
  /** True when accepted with `on_change_only` and equal to the PreValue: nothing to send. */
  unchanged?: boolean;
  /** Accepted after `confirm_after` agreeing readings. */
  confirmed?: boolean;
  /** The state after this reading (the same object when nothing changed). */
  state: PreValueState | undefined;
}

/**
 * The numeric parse rule: whitespace anywhere is ignored; then an optional sign (`+`, `-`, `−`),
 * digits with at most one decimal separator (`.` or `,`), and optionally a unit: anything that
 * does not start with a digit, `.` or `,` (`°C`, `bar`, `m³`, `%`). Nothing may come before the
 * number. `"1 234,5 kWh"` → 1234.5; `"1.234,5"` and `"abc"` → undefined.
 */
export function parseNumber(text: string): number | undefined {
  const s = text.replace(/\s+/g, "");
  const m = /^([+\-\u2212]?)(\d+(?:[.,]\d*)?|[.,]\d+)(?:[^\d.,].*)?$/u.exec(s);
  if (!m) return undefined;
  const n = Number(m[2].replace(",", "."));
  if (!Number.isFinite(n)) return undefined;
  return m[1] === "" || m[1] === "+" ? n : -n;
}

/** `value × 10^shift` without binary rounding noise (`Number("1234e-1")`). */
export function shiftDecimal(value: number, shift: number): number {
  if (!shift) return value;
  return Number(`${value}e${shift}`);
}

/** `value` rounded to `decimals` places. */
export function roundTo(value: number, decimals: number): number {
  return Number(`${Math.round(Number(`${value}e${decimals}`))}e-${decimals}`);
}

/** Short number for messages: at most 3 decimals, no trailing zeros. */
export function fmt(n: number): string {
  return String(Number(n.toFixed(3)));
}

/** Whether `text` (signs, separators and spaces aside) is two or more repeats of `unit`. */
export function isRepeatsOf(text: string, unit: string): boolean {
  const s = text.replace(/[\s.,:+\-\u2212]/g, "");
  if (!unit || s.length < unit.length * 2 || s.length % unit.length) return false;
  return s === unit.repeat(s.length / unit.length);
}

/** Modules whose text is a word, never a number (`on`/`off`): `numeric` defaults to false. */
export const WORD_MODULES: ReadonlySet<string> = new Set(["light_button"]);

/**
 * The rules as they apply to a reading of `module`: `numeric` left out means true, except for a
 * module whose text is a word (a lamp's `on`/`off`), where it means false. So a lamp ROI with only
 * `on_change_only` (or `reject_repeats_of`) is judged on its text instead of every reading being
 * rejected as `not a number: "on"`; Home Assistant discovery treats such a ROI as a lamp too.
 */
export function effectiveRules(rules: RoiRules, module: string | undefined): RoiRules {
  return rules.numeric === undefined && module !== undefined && WORD_MODULES.has(module)
    ? { ...rules, numeric: false }
    : rules;
}

/**
 * The reading's value under the rules: parsed (numeric, the default) or the module's, then
 * shifted and rounded; `null` when numeric parsing failed; undefined when there is none.
 */
export function readingValue(rules: RoiRules, reading: Reading): number | null | undefined {
  let v: number | undefined;
  if (rules.numeric !== false) {
    v = parseNumber(reading.text);
    if (v === undefined) return null;
  } else {
    v = reading.value;
    if (v === undefined || !Number.isFinite(v)) return undefined;
  }
  if (rules.decimal_shift) v = shiftDecimal(v, rules.decimal_shift);
  if (typeof rules.decimals === "number") v = roundTo(v, rules.decimals);
  return v;
}

type Verdict = { kind: RejectKind; reason: string } | undefined;

/** The absolute rules: parse, repeats, min, max. */
function absolute(rules: RoiRules, reading: Reading, value: number | null | undefined): Verdict {
  if (value === null) {
    return { kind: "not_numeric", reason: `not a number: ${JSON.stringify(reading.text)}` };
  }
  const unit = rules.reject_repeats_of;
  if (unit && isRepeatsOf(reading.text, unit)) {
    return { kind: "repeats", reason: `repeats of ${JSON.stringify(unit)}` };
  }
  if (value === undefined) return undefined;
  if (typeof rules.min === "number" && value < rules.min) {
    return { kind: "min", reason: `value ${fmt(value)} < min ${fmt(rules.min)}` };
  }
  if (typeof rules.max === "number" && value > rules.max) {
    return { kind: "max", reason: `value ${fmt(value)} > max ${fmt(rules.max)}` };
  }
  return undefined;
}

/** The rules relative to a reference value and time: decrease, delta, rate. */
function relative(
  rules: RoiRules,
  value: number,
  ref: { value: number; time: number },
  now: number,
): Verdict {
  const delta = value - ref.value;
  if (rules.allow_decrease === false && delta < 0) {
    return { kind: "decrease", reason: `decrease ${fmt(ref.value)} → ${fmt(value)}` };
  }
  if (typeof rules.max_delta === "number" && Math.abs(delta) > rules.max_delta) {
    return { kind: "max_delta", reason: `delta ${fmt(Math.abs(delta))} > ${fmt(rules.max_delta)}` };
  }
  if (typeof rules.max_rate_per_min === "number" && delta !== 0) {
    // At least one second apart: two readings of one frame burst are not an infinite rate.
    const minutes = Math.max(now - ref.time, 1000) / 60_000;
    const rate = Math.abs(delta) / minutes;
    if (rate > rules.max_rate_per_min) {
      return {
        kind: "max_rate",
        reason: `rate ${fmt(rate)}/min > ${fmt(rules.max_rate_per_min)}/min`,
      };
    }
  }
  return undefined;
}

/**
 * Judges one reading at `now` (ms) against `rules` and the ROI's state. Absolute rules first
 * (not a number, repeats, min, max), then, when there is a PreValue, the relative ones (decrease,
 * max_delta, max_rate_per_min). A relatively rejected value starts (or continues) a pending level;
 * with `confirm_after: N` the N-th consecutive reading that agrees with it (passes the relative
 * rules against the previous one) is accepted as the new PreValue. Any other reading resets it.
 */
export function judge(
  rules: RoiRules,
  state: PreValueState | undefined,
  reading: Reading,
  now: number,
): Judgement {
  const value = readingValue(rules, reading);
  const bad = absolute(rules, reading, value);
  const withValue = typeof value === "number" ? { value } : {};
  if (bad) {
    const next = state?.pending ? { ...state, pending: undefined } : state;
    return { status: "rejected", ...bad, ...withValue, state: next };
  }
  const prev = state && state.value !== null && typeof value === "number"
    ? { value: state.value, time: state.time }
    : undefined;
  const jump = prev && typeof value === "number" ? relative(rules, value, prev, now) : undefined;
  if (jump && typeof value === "number") {
    const need = rules.confirm_after;
    // Without confirm_after nothing waits: the jump stays rejected until the PreValue is set.
    if (typeof need !== "number") {
      return { status: "rejected", ...jump, ...withValue, state };
    }
    const p = state!.pending;
    const agrees = p !== undefined && relative(rules, value, p, now) === undefined;
    const pending = { value, time: now, count: agrees ? p.count + 1 : 1 };
    if (pending.count < need) {
      return { status: "rejected", ...jump, ...withValue, state: { ...state!, pending } };
    }
    return {
      status: "accepted",
      ...withValue,
      confirmed: true,
      state: { value, text: reading.text, time: now },
    };
  }
  const same = state !== undefined &&
    (typeof value === "number" ? state.value === value : state.text === reading.text);
  // An unchanged value keeps the time it was first seen: a rate is measured over the plateau,
  // so a slow meter's one-unit step after ten minutes is 0.1/min, not one unit per frame.
  const next: PreValueState = same
    ? { value: state!.value, text: reading.text, time: state!.time }
    : { value: typeof value === "number" ? value : null, text: reading.text, time: now };
  const unchanged = rules.on_change_only === true && same;
  return { status: "accepted", ...withValue, ...(unchanged ? { unchanged } : {}), state: next };
}
