/** Tidies a restricted-alphabet reading into a plausible number text. */

/**
 * Keeps one leading minus, drops points at either end and repeated points ("6." → "6"), and
 * applies an implied decimal point when the text has none.
 */
export function tidyDigitText(raw: string, decimals?: number): string {
  let t = raw.replace(/\s+/g, "");
  const negative = t.startsWith("-");
  t = t.replace(/-/g, "").replace(/\.{2,}/g, ".").replace(/^\.+|\.+$/g, "");
  const firstDot = t.indexOf(".");
  if (firstDot >= 0) t = t.slice(0, firstDot + 1) + t.slice(firstDot + 1).replace(/\./g, "");
  if (decimals && t.length > 0 && !t.includes(".")) {
    const digits = t.padStart(decimals + 1, "0");
    t = `${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`;
  }
  return negative && t.length > 0 ? `-${t}` : t;
}
