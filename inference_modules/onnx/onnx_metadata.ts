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

/**
 * Reads one field's tag at the cursor and moves past a varint or fixed value; for a
 * length-delimited field returns its length with the cursor at its first byte.
 */
function fieldHeader(bytes: Uint8Array, cur: Cursor): { field: number; len?: number } {
  const tag = readVarint(bytes, cur);
  const field = Math.floor(tag / 8);
  const wire = tag & 7;
  if (wire === WIRE_VARINT) readVarint(bytes, cur);
  else if (wire === WIRE_FIXED64) cur.pos += 8;
  else if (wire === WIRE_FIXED32) cur.pos += 4;
  else if (wire === WIRE_LENGTH_DELIMITED) return { field, len: readVarint(bytes, cur) };
  else throw new RangeError(`ONNX metadata: unsupported wire type ${wire} (field ${field})`);
  return { field };
}

/** Calls `visit(field, start, end)` for each length-delimited field; skips the others. */
function forEachField(
  bytes: Uint8Array,
  range: { start: number; end: number },
  visit: (field: number, start: number, end: number) => void,
): void {
  const cur: Cursor = { pos: range.start };
  while (cur.pos < range.end) {
    const { field, len } = fieldHeader(bytes, cur);
    if (len === undefined) continue;
    const start = cur.pos;
    cur.pos += len;
    if (cur.pos > range.end) throw new RangeError(`ONNX metadata: field ${field} overruns`);
    visit(field, start, cur.pos);
  }
}

/** Adds one StringStringEntryProto (`bytes[start, end)`) to `out`. */
function addEntry(
  bytes: Uint8Array,
  range: { start: number; end: number },
  out: Record<string, string>,
) {
  const decoder = new TextDecoder();
  let key = "";
  let value = "";
  forEachField(bytes, range, (f, s, e) => {
    if (f === 1) key = decoder.decode(bytes.subarray(s, e));
    else if (f === 2) value = decoder.decode(bytes.subarray(s, e));
  });
  out[key] = value;
}

/** Returns the model's `metadata_props` as a key → value map (empty when it has none). */
export function readOnnxMetadata(bytes: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {};
  forEachField(bytes, { start: 0, end: bytes.length }, (field, start, end) => {
    if (field === METADATA_PROPS_FIELD) addEntry(bytes, { start, end }, out);
  });
  return out;
}

/** A tag and, for length-delimited fields, the length: at most 2 varints of 10 bytes. */
const HEADER_BYTES = 20;

/**
 * {@linkcode readOnnxMetadata} on a file, reading only the field headers and the metadata: the
 * graph (nearly all of the file) is skipped by seeking, so a 9 MB model costs a few kilobytes of
 * reads instead of a 9 MB buffer.
 */
export async function readOnnxMetadataFile(path: string): Promise<Record<string, string>> {
  using file = await Deno.open(path);
  const size = (await file.stat()).size;
  const readAt = async (pos: number, n: number) => {
    const buf = new Uint8Array(Math.min(n, size - pos));
    await file.seek(pos, Deno.SeekMode.Start);
    let got = 0;
    while (got < buf.length) {
      const r = await file.read(buf.subarray(got));
      if (r === null) throw new RangeError(`ONNX metadata: ${path} ends at ${pos + got}`);
      got += r;
    }
    return buf;
  };
  const out: Record<string, string> = {};
  let pos = 0;
  while (pos < size) {
    const head = await readAt(pos, HEADER_BYTES);
    const cur: Cursor = { pos: 0 };
    const { field, len } = fieldHeader(head, cur);
    if (len !== undefined) {
      const start = pos + cur.pos;
      if (start + len > size) throw new RangeError(`ONNX metadata: field ${field} overruns`);
      if (field === METADATA_PROPS_FIELD) {
        addEntry(await readAt(start, len), { start: 0, end: len }, out);
      }
      cur.pos += len;
    }
    pos += cur.pos;
  }
  return out;
}
