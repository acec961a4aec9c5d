/**
 * Letters read where digits stand: in a word that is otherwise a number ("O" before a unit,
 * "1O5"), a letter whose runner-up class is a digit becomes that digit. Words with any other
 * letter ("OK", "LINE") are left alone.
 */
import type { CtcResult } from "./ctc_decode.ts";

const NUMBERISH = /^[0-9.,:/+\-%]$/;
const DIGIT = /^[0-9]$/;

/** The text of `r` with digit look-alikes fixed in number-like words (see module doc). */
export function fixDigitLookalikes(
  r: Pick<CtcResult, "text" | "alternatives">,
  minP = 0.1,
): string {
  const chars = [...r.text];
  if (chars.length !== r.alternatives.length) return r.text;
  let start = 0;
  for (let i = 0; i <= chars.length; i++) {
    if (i < chars.length && chars[i] !== " ") continue;
    const word = Array.from({ length: i - start }, (_, k) => start + k);
    const swap = (k: number) =>
      DIGIT.test(r.alternatives[k].char) && r.alternatives[k].p >= minP &&
      !NUMBERISH.test(chars[k]);
    const numberLike = word.every((k) => NUMBERISH.test(chars[k]) || swap(k));
    if (numberLike) { for (const k of word) if (swap(k)) chars[k] = r.alternatives[k].char; }
    start = i + 1;
  }
  return chars.join("");
}
