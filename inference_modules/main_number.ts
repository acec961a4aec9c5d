/** The number a reading holds, for `ReadOutput.value`. */

/**
 * The first number in `text` ("87\n0 m/mn" → 87, "-1.5 bar" → -1.5, "12,5" → 12.5), or undefined
 * when there is none or the text is a date or time ("15/09/2025", "11:26:06"), which is no number.
 */
export function mainNumber(text: string): number | undefined {
  if (/\d\s*[/:]\s*\d/.test(text)) return undefined;
  const m = text.match(/-?\d+(?:[.,]\d+)?/);
  if (!m) return undefined;
  const n = Number(m[0].replace(",", "."));
  return Number.isFinite(n) ? n : undefined;
}
