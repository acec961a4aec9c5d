/**
 * Reads `ModelProto.metadata_props` out of an ONNX file without a protobuf library. Neither
 * onnxruntime-web nor onnxruntime-node exposes custom model metadata, and PaddleOCR keeps its
 * character dictionary there.
 */

/** Field number of `metadata_props` (repeated StringStringEntryProto) in onnx.proto's ModelProto. */
const METADATA_PROPS_FIELD = 14;

/** Wire types of the protobuf encoding that ModelProto uses. */
const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LENGTH_DELIMITED = 2;
const WIRE_FIXED32 = 5;

interface Cursor {
  pos: number;
}

function readVarint(bytes: Uint8Array, cur: Cursor): number {
  let result = 0;
  let shift = 1;
  for (let i = 0; i < 10; i++) {
    if (cur.pos >= bytes.length) throw new RangeError("ONNX metadata: truncated varint");
    const b = bytes[cur.pos++];
    result += (b & 0x7f) * shift;
    if ((b & 0x80) === 0) return result;
    shift *= 128;
  }
  throw new RangeError("ONNX metadata: varint longer than 10 bytes");
}

/** Calls `visit(field, start, end)` for each length-delimited field; skips the others. */
function forEachField(
  bytes: Uint8Array,
  range: { start: number; end: number },
  visit: (field: number, start: number, end: number) => void,
): void {
  const cur: Cursor = { pos: range.start };
  while (cur.pos < range.end) {
    const tag = readVarint(bytes, cur);
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (wire === WIRE_VARINT) readVarint(bytes, cur);
    else if (wire === WIRE_FIXED64) cur.pos += 8;
    else if (wire === WIRE_FIXED32) cur.pos += 4;
    else if (wire === WIRE_LENGTH_DELIMITED) {
      const len = readVarint(bytes, cur);
      const start = cur.pos;
      cur.pos += len;
      if (cur.pos > range.end) throw new RangeError(`ONNX metadata: field ${field} overruns`);
      visit(field, start, cur.pos);
    } else throw new RangeError(`ONNX metadata: unsupported wire type ${wire} (field ${field})`);
  }
}

/** Returns the model's `metadata_props` as a key → value map (empty when it has none). */
export function readOnnxMetadata(bytes: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {};
  const decoder = new TextDecoder();
  forEachField(bytes, { start: 0, end: bytes.length }, (field, start, end) => {
    if (field !== METADATA_PROPS_FIELD) return;
    let key = "";
    let value = "";
    forEachField(bytes, { start, end }, (f, s, e) => {
      if (f === 1) key = decoder.decode(bytes.subarray(s, e));
      else if (f === 2) value = decoder.decode(bytes.subarray(s, e));
    });
    out[key] = value;
  });
  return out;
}
