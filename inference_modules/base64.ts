/** Base64 without a standard-library import (JSR is not reachable from every build machine). */

/** Encodes bytes as standard base64. */
export function encodeBase64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(s);
}

/** Decodes standard base64 (an optional `data:…;base64,` prefix is dropped); throws TypeError. */
export function decodeBase64(text: string): Uint8Array {
  const body = text.replace(/^data:[^,]*;base64,/, "").replace(/\s+/g, "");
  let bin: string;
  try {
    bin = atob(body);
  } catch (e) {
    throw new TypeError(`not base64: ${(e as Error).message}`);
  }
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
