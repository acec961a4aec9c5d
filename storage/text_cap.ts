/**
 * The size cap on a module's text wherever it is kept (results, `custom.log`, the history DB): a
 * reading is a few words, so anything longer is cut rather than stored whole.
 */

/** Most UTF-8 bytes of a result's `text` that are kept (4 KiB). */
export const MAX_TEXT_BYTES = 4096;

/** `text` cut to at most `maxBytes` UTF-8 bytes on a character boundary, and whether it was cut. */
export function capText(
  text: string,
  maxBytes: number = MAX_TEXT_BYTES,
): { text: string; truncated: boolean } {
  // Each UTF-16 unit encodes to at most 3 bytes: a short string needs no encoding to be judged.
  if (text.length * 3 <= maxBytes) return { text, truncated: false };
  const bytes = new TextEncoder().encode(text.length > maxBytes ? text.slice(0, maxBytes) : text);
  if (bytes.length <= maxBytes && text.length <= maxBytes) return { text, truncated: false };
  let end = Math.min(maxBytes, bytes.length);
  // Back off continuation bytes (10xxxxxx) so no character is split.
  while (end > 0 && end < bytes.length && (bytes[end] & 0xc0) === 0x80) end--;
  return { text: new TextDecoder().decode(bytes.subarray(0, end)), truncated: true };
}
