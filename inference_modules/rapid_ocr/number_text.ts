/** The number a recognised text holds, when the whole text is one. */

const NUMBER = /^[-+]?(\d+(\.\d*)?|\.\d+)$/;

/** Parses `text` (surrounding white space ignored) as a decimal number; undefined when it is not one. */
export function parseNumber(text: string): number | undefined {
  const t = text.trim();
  return NUMBER.test(t) ? Number(t) : undefined;
}

/** Collapses runs of white space to one space and trims: how texts are compared. */
export function normalizeSpace(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}
