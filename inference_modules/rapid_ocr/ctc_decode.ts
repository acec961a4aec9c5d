/** Greedy CTC decoding of a recogniser's per-timestep class probabilities. */
import type { CtcClasses } from "./dictionary.ts";

/** One decoded line. */
export interface CtcResult {
  /** The text. */
  text: string;
  /** Mean probability of the emitted characters (0 when none). */
  score: number;
  /** Probability of each emitted character. */
  charScores: number[];
  /** Timestep at which each emitted character starts (for spacing by gaps). */
  steps: number[];
  /** Mean probability of the winning class over all timesteps, blanks included. */
  frameScore: number;
}

/**
 * Decodes one sequence: `probs` holds `steps × classes` values from `offset`. With `allowed`
 * (a 0/1 mask over classes), the argmax runs only over allowed classes and the blank.
 */
export function ctcGreedyDecode(
  probs: Float32Array,
  classes: CtcClasses,
  opts: { steps: number; offset?: number; allowed?: Uint8Array },
): CtcResult {
  const n = classes.length;
  const base = opts.offset ?? 0;
  let text = "";
  const charScores: number[] = [];
  const steps: number[] = [];
  let prev = -1;
  let frameSum = 0;
  for (let t = 0; t < opts.steps; t++) {
    const row = base + t * n;
    let best = 0;
    let bestP = probs[row];
    for (let c = 1; c < n; c++) {
      if (opts.allowed && !opts.allowed[c]) continue;
      const p = probs[row + c];
      if (p > bestP) {
        best = c;
        bestP = p;
      }
    }
    frameSum += bestP;
    if (best !== 0 && best !== prev) {
      text += classes[best];
      charScores.push(bestP);
      steps.push(t);
    }
    prev = best;
  }
  const score = charScores.length ? charScores.reduce((a, b) => a + b, 0) / charScores.length : 0;
  return { text, score, charScores, steps, frameScore: opts.steps ? frameSum / opts.steps : 0 };
}

/** A class mask allowing exactly the characters of `chars` (blank is always allowed). */
export function allowedClassMask(classes: CtcClasses, chars: string): Uint8Array {
  const mask = new Uint8Array(classes.length);
  for (let c = 1; c < classes.length; c++) if (chars.includes(classes[c])) mask[c] = 1;
  return mask;
}
