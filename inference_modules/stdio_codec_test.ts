import assert from "node:assert/strict";
import { encodePacket, ProtocolError, readPackets } from "./stdio_codec.ts";

function streamOf(bytes: Uint8Array, chunk: number): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(c) {
      if (at >= bytes.length) return c.close();
      c.enqueue(bytes.slice(at, at + chunk));
      at += chunk;
    },
  });
}

async function all<T>(stream: ReadableStream<Uint8Array>, max = 1 << 20) {
  const out: { json: T; binary: number[] }[] = [];
  for await (const p of readPackets<T>(stream, max)) {
    out.push({ json: p.json, binary: [...p.binary] });
  }
  return out;
}

Deno.test("packets survive any chunking, with and without binary parts", async () => {
  const bytes = new Uint8Array([
    ...encodePacket({ type: "a", n: 1 }),
    ...encodePacket({ type: "b" }, new Uint8Array([1, 2, 3])),
    ...encodePacket({ type: "ค" }),
  ]);
  for (const chunk of [1, 3, 7, 1000]) {
    assert.deepEqual(await all(streamOf(bytes, chunk)), [
      { json: { type: "a", n: 1 }, binary: [] },
      { json: { type: "b" }, binary: [1, 2, 3] },
      { json: { type: "ค" }, binary: [] },
    ]);
  }
});

Deno.test("a packet over the limit, bad JSON or a cut stream is a ProtocolError", async () => {
  const big = encodePacket({ s: "x".repeat(100) });
  await assert.rejects(
    all(streamOf(big, 16), 50),
    (e: Error) => e instanceof ProtocolError && /over the 50-byte limit/.test(e.message),
  );
  const bad = encodePacket({ a: 1 });
  bad[8] = 0x7b + 1; // '{' → '|'
  await assert.rejects(all(streamOf(bad, 4)), ProtocolError);
  await assert.rejects(all(streamOf(big.subarray(0, 20), 4)), /stream ended inside a message/);
  // stdout garbage from a module: a huge length in the header
  await assert.rejects(all(streamOf(new TextEncoder().encode("hello world\n"), 4)), ProtocolError);
});
