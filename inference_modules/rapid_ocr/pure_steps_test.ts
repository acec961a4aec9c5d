import assert from "node:assert/strict";
import { allowedClassMask, ctcGreedyDecode } from "./ctc_decode.ts";
import { ctcClassesFromDictionary } from "./dictionary.ts";
import { detInputSize } from "./det_tensor.ts";
import { normalizeSpace, parseNumber } from "./number_text.ts";
import { readingOrder } from "./reading_order.ts";
import { fixDigitLookalikes } from "./digit_lookalikes.ts";
import { orderCorners } from "./text_boxes.ts";

const classes = ctcClassesFromDictionary("0\n1\n2\na\n \n");

/** Probabilities for a sequence of winning classes, each step 0.9 on its class. */
function steps(winners: number[], n = classes.length): Float32Array {
  const p = new Float32Array(winners.length * n).fill(0.1 / (n - 1));
  winners.forEach((c, t) => (p[t * n + c] = 0.9));
  return p;
}

Deno.test("CTC classes are blank + dictionary + space", () => {
  assert.deepEqual(classes, ["", "0", "1", "2", "a", " ", " "]);
});

Deno.test("greedy CTC collapses repeats, splits them at blanks and skips blanks", () => {
  const r = ctcGreedyDecode(steps([2, 2, 0, 2, 3, 0, 0, 1]), classes, { steps: 8 });
  assert.equal(r.text, "1120");
  assert.deepEqual(r.steps, [0, 3, 4, 7]);
  assert.ok(Math.abs(r.score - 0.9) < 1e-6);
});

Deno.test("a class mask keeps the argmax to allowed characters and the blank", () => {
  const p = steps([4, 0, 4]);
  p[0 * classes.length + 3] = 0.5; // "2" is second at step 0
  const mask = allowedClassMask(classes, "012");
  assert.equal(ctcGreedyDecode(p, classes, { steps: 3 }).text, "aa");
  assert.equal(ctcGreedyDecode(p, classes, { steps: 3, allowed: mask }).text, "2");
});

Deno.test("reading order: lines top to bottom, boxes left to right within a line", () => {
  const box = (x: number, y: number, w: number, h: number) => ({
    id: `${x},${y}`,
    points: orderCorners([{ x, y }, { x: x + w, y }, { x: x + w, y: y + h }, { x, y: y + h }]),
  });
  const lines = readingOrder([
    box(60, 42, 30, 12),
    box(5, 2, 40, 14),
    box(10, 40, 30, 14),
    box(50, 4, 20, 12),
  ]);
  assert.deepEqual(lines.map((l) => l.map((b) => b.id)), [["5,2", "50,4"], ["10,40", "60,42"]]);
});

Deno.test("detector input sides are multiples of 32 within the limits", () => {
  assert.deepEqual(detInputSize(105, 47), { width: 224, height: 96 });
  assert.deepEqual(detInputSize(1920, 1080), { width: 960, height: 544 });
  assert.deepEqual(detInputSize(10, 10), { width: 96, height: 96 });
});

Deno.test("parseNumber accepts whole-text numbers only; normalizeSpace collapses white space", () => {
  assert.equal(parseNumber(" -12.5 "), -12.5);
  assert.equal(parseNumber("87"), 87);
  assert.equal(parseNumber("87\n0 m/mn"), undefined);
  assert.equal(parseNumber("15/09/2025"), undefined);
  assert.equal(normalizeSpace(" 87\n0  m/mn "), "87 0 m/mn");
});

Deno.test("a space the blank outvoted between two characters still separates words", () => {
  const p = steps([1, 0, 0, 4]);
  p[1 * classes.length + 6] = 0.3; // the extra space class under the blank at step 1
  assert.equal(ctcGreedyDecode(p, classes, { steps: 4 }).text, "0a");
  const spaced = ctcGreedyDecode(p, classes, { steps: 4, spaceThreshold: 0.1 });
  assert.equal(spaced.text, "0 a");
  assert.equal(spaced.charScores.length, 3);
  assert.equal(ctcGreedyDecode(p, classes, { steps: 4, spaceThreshold: 0.5 }).text, "0a");
});

Deno.test("letters whose runner-up is a digit become digits only inside number-like words", () => {
  const alt = (char: string, p: number) => ({ char, p });
  const none = alt("", 0);
  const r = {
    text: "O m/mn 1O5 OK",
    alternatives: [
      alt("0", 0.3),
      none,
      none,
      none,
      none,
      none,
      none, // "O m/mn "
      none,
      alt("0", 0.4),
      none,
      none, // "1O5 "
      alt("0", 0.3),
      alt("X", 0.2), // "OK"
    ],
  };
  assert.equal(fixDigitLookalikes(r), "0 m/mn 105 OK");
  assert.equal(fixDigitLookalikes(r, 0.35), "O m/mn 105 OK");
});
