import assert from "node:assert/strict";
import {
  isRepeatsOf,
  judge,
  parseNumber,
  type PreValueState,
  type RoiRules,
} from "./plausibility_rules.ts";

const T0 = 1_700_000_000_000;
const MIN = 60_000;

/** Judges readings in turn (each `at` ms after T0), threading the state; returns the judgements. */
function run(rules: RoiRules, readings: [string, number][], start?: PreValueState) {
  let state = start;
  return readings.map(([text, at]) => {
    const j = judge(rules, state, { text }, T0 + at);
    state = j.state;
    return j;
  });
}

Deno.test("numeric parse: spaces, comma decimal, sign and a unit after the number", () => {
  const cases: [string, number | undefined][] = [
    ["123", 123],
    [" 12.5 ", 12.5],
    ["12,5", 12.5],
    ["1 234,5 kWh", 1234.5],
    ["23.7°C", 23.7],
    ["1.013 bar", 1.013],
    ["-4.2", -4.2],
    ["\u22124", -4],
    ["+7", 7],
    [".5", 0.5],
    ["0042", 42],
    ["12.", 12],
    ["", undefined],
    ["abc", undefined],
    ["T 23.7", undefined],
    ["1.234,5", undefined],
    ["1..2", undefined],
    ["-", undefined],
  ];
  for (const [text, want] of cases) assert.equal(parseNumber(text), want, JSON.stringify(text));
});

Deno.test("rules: numeric rejects a text that is not a number, and sets value when it is", () => {
  const [bad] = run({ numeric: true }, [["ab3", 0]]);
  assert.equal(bad.status, "rejected");
  assert.equal(bad.kind, "not_numeric");
  assert.equal(bad.reason, 'not a number: "ab3"');
  assert.equal(bad.state, undefined, "nothing accepted");
  const [ok] = run({}, [["12,5 m3", 0]]);
  assert.equal(ok.status, "accepted");
  assert.equal(ok.value, 12.5);
  assert.deepEqual(ok.state, { value: 12.5, text: "12,5 m3", time: T0 });
});

Deno.test("rules: numeric false judges the text and the module's own value", () => {
  const j = judge({ numeric: false, max: 5 }, undefined, { text: "on", value: 9 }, T0);
  assert.equal(j.status, "rejected");
  assert.equal(j.reason, "value 9 > max 5");
  const t = judge({ numeric: false, max: 5 }, undefined, { text: "on" }, T0);
  assert.equal(t.status, "accepted");
  assert.deepEqual(t.state, { value: null, text: "on", time: T0 });
});

Deno.test("rules: min and max reject values outside the range; the PreValue stays", () => {
  const js = run({ min: 10, max: 100 }, [["50", 0], ["5", 1000], ["101", 2000], ["60", 3000]]);
  assert.deepEqual(js.map((j) => j.status), ["accepted", "rejected", "rejected", "accepted"]);
  assert.equal(js[1].reason, "value 5 < min 10");
  assert.equal(js[1].kind, "min");
  assert.equal(js[2].reason, "value 101 > max 100");
  assert.equal(js[2].kind, "max");
  assert.equal(js[2].state?.value, 50, "a rejected value does not become the PreValue");
  assert.equal(js[3].state?.value, 60);
});

Deno.test("rules: max_delta rejects a jump from the PreValue in either direction", () => {
  const js = run({ max_delta: 5 }, [["100", 0], ["104", 1000], ["110", 2000], ["99.5", 3000]]);
  assert.deepEqual(js.map((j) => j.status), ["accepted", "accepted", "rejected", "accepted"]);
  assert.equal(js[2].reason, "delta 6 > 5");
  assert.equal(js[2].kind, "max_delta");
  assert.equal(js[2].value, 110, "the rejected reading's value is reported");
  assert.equal(js[3].state?.value, 99.5);
});

Deno.test("rules: max_rate_per_min measures from the PreValue's time (injected time)", () => {
  const rules = { max_rate_per_min: 10 };
  // 100 at 0; 105 after 1 min = 5/min ok; 142 after 1 more min = 37/min rejected.
  const js = run(rules, [["100", 0], ["105", MIN], ["142", 2 * MIN]]);
  assert.deepEqual(js.map((j) => j.status), ["accepted", "accepted", "rejected"]);
  assert.equal(js[2].reason, "rate 37/min > 10/min");
  assert.equal(js[2].kind, "max_rate");
  // The same step is accepted once enough time has passed since the PreValue (rate 37/4 min).
  const later = judge(rules, js[2].state, { text: "142" }, T0 + 5 * MIN);
  assert.equal(later.status, "accepted");
  // An unchanged value keeps the time it was first seen: a slow step over a plateau is slow.
  const plateau = run(rules, [["7", 0], ["7", 10 * MIN], ["8", 10 * MIN + 1000]]);
  assert.deepEqual(plateau.map((j) => j.status), ["accepted", "accepted", "accepted"]);
  assert.equal(plateau[1].state?.time, T0);
});

Deno.test("rules: allow_decrease false rejects a value below the PreValue", () => {
  const js = run({ allow_decrease: false }, [["10.5", 0], ["10.4", 1000], ["10.6", 2000]]);
  assert.deepEqual(js.map((j) => j.status), ["accepted", "rejected", "accepted"]);
  assert.equal(js[1].reason, "decrease 10.5 → 10.4");
  assert.equal(js[1].kind, "decrease");
  const allowed = run({ allow_decrease: true }, [["10.5", 0], ["10.4", 1000]]);
  assert.equal(allowed[1].status, "accepted");
});

Deno.test("rules: reject_repeats_of rejects ghost-segment readings like 88888", () => {
  assert.equal(isRepeatsOf("88888", "8"), true);
  assert.equal(isRepeatsOf("88.8", "8"), true);
  assert.equal(isRepeatsOf("8", "8"), false, "one digit is a reading, not a repeat");
  assert.equal(isRepeatsOf("88188", "8"), false);
  const js = run({ reject_repeats_of: "8" }, [["12", 0], ["888", 1000], ["18", 2000]]);
  assert.deepEqual(js.map((j) => j.status), ["accepted", "rejected", "accepted"]);
  assert.equal(js[1].reason, 'repeats of "8"');
  assert.equal(js[1].kind, "repeats");
});

Deno.test("rules: confirm_after accepts a new level after N consecutive agreeing readings", () => {
  const rules = { max_delta: 5, confirm_after: 3 };
  const js = run(rules, [["100", 0], ["500", 1], ["501", 2], ["502", 3], ["503", 4]]);
  assert.deepEqual(js.map((j) => j.status), [
    "accepted",
    "rejected",
    "rejected",
    "accepted",
    "accepted",
  ]);
  assert.deepEqual(js[2].state?.pending, { value: 501, time: T0 + 2, count: 2 });
  assert.equal(js[3].confirmed, true);
  assert.equal(js[3].state?.value, 502);
  assert.equal(js[3].state?.pending, undefined);
  // A reading that does not agree with the pending level starts it again; a glitch never lands.
  const flicker = run(rules, [["100", 0], ["500", 1], ["900", 2], ["500", 3], ["501", 4]]);
  assert.deepEqual(flicker.map((j) => j.status), [
    "accepted",
    "rejected",
    "rejected",
    "rejected",
    "rejected",
  ]);
  assert.equal(flicker[4].state?.pending?.count, 2);
  assert.equal(flicker[4].state?.value, 100);
  // Without confirm_after a jump is rejected until the PreValue is set by hand.
  const forever = run({ max_delta: 5 }, [["100", 0], ["500", 1], ["500", 2], ["500", 3]]);
  assert.deepEqual(forever.map((j) => j.status).slice(1), ["rejected", "rejected", "rejected"]);
  assert.deepEqual(forever[3].state, { value: 100, text: "100", time: T0 }, "nothing pending");
});

Deno.test("rules: decimals rounds the value and compares the rounded value", () => {
  const js = run({ decimals: 1, max_delta: 0.1 }, [["12.34", 0], ["12.449", 1000]]);
  assert.equal(js[0].value, 12.3);
  assert.equal(js[1].value, 12.4);
  assert.equal(js[1].status, "accepted");
  assert.equal(judge({ decimals: 0 }, undefined, { text: "2.5" }, T0).value, 3);
});

Deno.test("rules: decimal_shift moves the decimal point without rounding noise", () => {
  assert.equal(judge({ decimal_shift: -1 }, undefined, { text: "12345" }, T0).value, 1234.5);
  assert.equal(judge({ decimal_shift: -3 }, undefined, { text: "00123" }, T0).value, 0.123);
  assert.equal(judge({ decimal_shift: 2 }, undefined, { text: "1.07" }, T0).value, 107);
  // Rules compare the shifted value.
  const j = judge({ decimal_shift: -2, max: 100 }, undefined, { text: "12345" }, T0);
  assert.equal(j.reason, "value 123.45 > max 100");
});

Deno.test("rules: on_change_only marks a repeat of the PreValue unchanged, a change not", () => {
  const js = run({ on_change_only: true }, [["5", 0], ["5,0", 1000], ["6", 2000], ["6", 3000]]);
  assert.deepEqual(js.map((j) => j.status), ["accepted", "accepted", "accepted", "accepted"]);
  assert.deepEqual(js.map((j) => j.unchanged ?? false), [false, true, false, true]);
  const text = run({ numeric: false, on_change_only: true }, [["on", 0], ["on", 1], ["off", 2]]);
  assert.deepEqual(text.map((j) => j.unchanged ?? false), [false, true, false]);
  const off = run({}, [["5", 0], ["5", 1000]]);
  assert.equal(off[1].unchanged, undefined, "without on_change_only every reading is sent");
});

Deno.test("rules: an absolute rejection breaks a pending confirmation", () => {
  const rules = { max_delta: 5, confirm_after: 2, max: 1000 };
  const js = run(rules, [["100", 0], ["500", 1], ["5000", 2], ["500", 3], ["500", 4]]);
  assert.deepEqual(js.map((j) => j.status), [
    "accepted",
    "rejected",
    "rejected",
    "rejected",
    "accepted",
  ]);
  assert.equal(js[2].kind, "max");
});
