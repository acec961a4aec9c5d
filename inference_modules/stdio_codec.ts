/**
 * Length-prefixed messages over a byte stream (a module process's stdin and stdout): an 8-byte
 * header (JSON length, binary length; big-endian u32), the JSON, then raw bytes (crop pixels), so
 * pixels are never base64'd. A reader refuses a message over its limit instead of buffering it.
 */

/** One decoded message: its JSON part and its binary attachment (empty when none). */
export interface Packet<T> {
  /** The parsed JSON. */
  json: T;
  /** Raw bytes sent after the JSON (crop pixels). */
  binary: Uint8Array;
}

/** A stream broke the framing or a message passed the size limit. */
export class ProtocolError extends Error {
  override name = "ProtocolError";
}

const HEADER = 8;

/** Header, JSON and binary of one message in one buffer (one write, never interleaved). */
export function encodePacket(json: unknown, binary: Uint8Array = new Uint8Array(0)): Uint8Array {
  const text = new TextEncoder().encode(JSON.stringify(json));
  const out = new Uint8Array(HEADER + text.length + binary.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, text.length);
  view.setUint32(4, binary.length);
  out.set(text, HEADER);
  out.set(binary, HEADER + text.length);
  return out;
}

/**
 * Yields the messages of `stream` in order; ends when the stream ends at a message boundary.
 * Throws {@linkcode ProtocolError} on a message larger than `maxBytes`, bad JSON, or a stream that
 * ends inside a message.
 */
export async function* readPackets<T>(
  stream: ReadableStream<Uint8Array>,
  maxBytes: number,
): AsyncGenerator<Packet<T>> {
  let buf: Uint8Array = new Uint8Array(0);
  let need: { json: number; binary: number } | undefined;
  for await (const chunk of stream) {
    buf = concat(buf, chunk);
    while (true) {
      if (!need) {
        if (buf.length < HEADER) break;
        const view = new DataView(buf.buffer, buf.byteOffset, HEADER);
        need = { json: view.getUint32(0), binary: view.getUint32(4) };
        const size = need.json + need.binary;
        if (size > maxBytes) {
          throw new ProtocolError(`message of ${size} bytes is over the ${maxBytes}-byte limit`);
        }
        buf = buf.subarray(HEADER);
      }
      if (buf.length < need.json + need.binary) break;
      let json: T;
      try {
        json = JSON.parse(new TextDecoder().decode(buf.subarray(0, need.json)));
      } catch (e) {
        throw new ProtocolError(`message is not JSON: ${(e as Error).message}`);
      }
      const binary = buf.slice(need.json, need.json + need.binary);
      buf = buf.subarray(need.json + need.binary);
      need = undefined;
      yield { json, binary };
    }
  }
  if (need || buf.length > 0) throw new ProtocolError("stream ended inside a message");
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
