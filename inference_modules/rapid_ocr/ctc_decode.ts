/** Greedy CTC decoding of a recogniser's per-timestep class probabilities. */
import type { CtcClasses } from "./dictionary.ts";

/** One decoded line. */
export interface CtcResult {
  /** The text. */
  text: string;
  /** Mean probability of the emitted characters (0 when none). */
  score: number;
  /** Probability of each character of `text`. */
  charScores: number[];
  /** Timestep at which each character of `text` starts. */
  steps: number[];
  /** The runner-up non-blank class of each character of `text`, and its probability. */
  alternatives: { char: string; p: number }[];
  /** Mean probability of the winning class over all timesteps, blanks included. */
  frameScore: number;
}

/** Options of {@linkcode ctcGreedyDecode}. */
export interface CtcDecodeOptions {
  /** Timesteps of the sequence. */
  steps: number;
  /** Where the sequence starts in `probs` (default 0). */
  offset?: number;
  /** 0/1 mask over classes: the argmax runs over allowed classes and the blank only. */
  allowed?: Uint8Array;
  /**
   * A word gap the blank won: when a space class reaches this probability somewhere between two
   * characters, a space is inserted (PaddleOCR's English model reads "0 m/mn" as "0m/mn" with
   * the space at 10–30 % under the blank). Off when undefined.
   */
  spaceThreshold?: number;
}

interface RowPick {
  best: number;
  bestP: number;
  second: number;
  secondP: number;
  spaceP: number;
}

function pickRow(probs: Float32Array, row: number, classes: CtcClasses, allowed?: Uint8Array) {
  const r: RowPick = { best: 0, bestP: probs[row], second: 0, secondP: 0, spaceP: 0 };
  for (let c = 1; c < classes.length; c++) {
    if (allowed && !allowed[c]) continue;
    const p = probs[row + c];
    if (classes[c] === " ") r.spaceP = Math.max(r.spaceP, p);
    if (p > r.bestP) {
      if (r.best !== 0) (r.second = r.best), (r.secondP = r.bestP);
      r.best = c;
      r.bestP = p;
    } else if (p > r.secondP) (r.second = c), (r.secondP = p);
  }
  return r;
}

/** Decodes one sequence of `steps × classes` probabilities (argmax, collapse repeats, drop blanks). */
export function ctcGreedyDecode(
  probs: Float32Array,
  classes: CtcClasses,
  opts: CtcDecodeOptions,
): CtcResult {
  const n = classes.length;
  const out: CtcResult = {
    text: "",
    score: 0,
    charScores: [],
    steps: [],
    alternatives: [],
    frameScore: 0,
  };
  const push = (ch: string, p: number, t: number, alt: { char: string; p: number }) => {
    out.text += ch;
    out.charScores.push(p);
    out.steps.push(t);
    out.alternatives.push(alt);
  };
  let prev = -1, frameSum = 0, gapSpace = 0;
  for (let t = 0; t < opts.steps; t++) {
    const r = pickRow(probs, (opts.offset ?? 0) + t * n, classes, opts.allowed);
    frameSum += r.bestP;
    if (r.best === 0) gapSpace = Math.max(gapSpace, r.spaceP);
    if (r.best !== 0 && r.best !== prev) {
      const ch = classes[r.best];
      const spaced = out.text === "" || out.text.endsWith(" ") || ch === " ";
      if (!spaced && opts.spaceThreshold !== undefined && gapSpace >= opts.spaceThreshold) {
        push(" ", gapSpace, t - 1, { char: "", p: 0 });
      }
      push(ch, r.bestP, t, { char: classes[r.second], p: r.secondP });
      gapSpace = 0;
    }
    prev = r.best;
  }
  const sum = out.charScores.reduce((a, b) => a + b, 0);
  out.score = out.charScores.length ? sum / out.charScores.length : 0;
  out.frameScore = opts.steps ? frameSum / opts.steps : 0;
  return out;
}

/** A class mask allowing exactly the characters of `chars` (blank is always allowed). */
export function allowedClassMask(classes: CtcClasses, chars: string): Uint8Array {
  const mask = new Uint8Array(classes.length);
  for (let c = 1; c < classes.length; c++) if (chars.includes(classes[c])) mask[c] = 1;
  return mask;
}
