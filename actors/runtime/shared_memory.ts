/**
 * Reclaims dropped SharedArrayBuffers. V8 (Deno 2.9.6) does not count their memory towards its
 * garbage-collection pressure the way it counts plain ArrayBuffers: a camera that allocates a
 * 6.5 MB frame five times a second leaves hundreds of MB of dead frames in RSS until some
 * unrelated major GC happens (a 600-frame loop of 6.5 MB frames reached 2.2 GB; with a GC every
 * 64 MB it stays near 150 MB). Each isolate that allocates or receives frames counts their bytes
 * here, and past {@linkcode RECLAIM_BYTES} (or an eighth of it after 2 s) asks V8 for a
 * collection (main thread and each worker separately: a posted SharedArrayBuffer is freed only
 * when every isolate dropped it). Cameras allocate only the frames someone reads
 * (`deferredFrame`), so a low limit costs few collections.
 */
import v8 from "node:v8";
import vm from "node:vm";

/** Shared bytes allocated or received between two collections. */
export const RECLAIM_BYTES = 16 * 1024 * 1024;
/** A slow trickle (a job reading one frame a second) is collected after this long, ms. */
const RECLAIM_AFTER_MS = 2000;

type Gc = (options?: { type?: "major" | "minor"; execution?: "sync" | "async" }) => void;

let gc: Gc | undefined | null;
let pending = 0;
let collections = 0;
let lastCollection = performance.now();

function collector(): Gc | null {
  if (gc !== undefined) return gc;
  try {
    // --expose-gc is read when a context is created; the new context hands out its gc().
    v8.setFlagsFromString("--expose-gc");
    gc = vm.runInNewContext("gc") as Gc;
  } catch {
    gc = null; // not available here: memory is reclaimed by V8's own collections only
  }
  return gc;
}

/** Counts `bytes` of SharedArrayBuffer this isolate allocated or received; collects past the limit. */
export function noteSharedBytes(bytes: number, limit = RECLAIM_BYTES): void {
  pending += bytes;
  const now = performance.now();
  const due = pending >= limit ||
    (pending >= limit / 8 && now - lastCollection >= RECLAIM_AFTER_MS);
  if (!due) return;
  pending = 0;
  lastCollection = now;
  const collect = collector();
  if (!collect) return;
  collections++;
  // After this turn, so the caller's own frame is no longer on the stack.
  setTimeout(() => collect({ type: "major" }), 0);
}

/** Collections asked for in this isolate so far. */
export function sharedMemoryCollections(): number {
  return collections;
}
