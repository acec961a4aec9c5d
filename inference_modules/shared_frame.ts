/** Frames the pool can post to workers without copying pixels. */
import type { Frame } from "../actors/frame_sources/frame.ts";
import { noteSharedBytes } from "../actors/runtime/shared_memory.ts";

/** The frame itself when its pixels are shared memory; otherwise one copy into a SharedArrayBuffer. */
export function sharedFrame(frame: Frame): Frame {
  const need = frame.width * frame.height * 4;
  if (!Number.isInteger(need) || need <= 0 || frame.data.length < need) {
    throw new RangeError(
      `frame of ${frame.width}×${frame.height} needs ${need} RGBA bytes, got ${frame.data.length}`,
    );
  }
  if (frame.data.buffer instanceof SharedArrayBuffer) return frame;
  noteSharedBytes(need);
  const data = new Uint8Array(new SharedArrayBuffer(need));
  data.set(frame.data.subarray(0, need));
  return { ...frame, data };
}
