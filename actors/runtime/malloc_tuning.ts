/**
 * glibc malloc tuning for a process that allocates and frees multi-MB buffers all the time
 * (frames, crops, tensors). glibc raises its mmap threshold each time such a mapped block is freed
 * (up to 32 MB), after which the next frames come from the brk heap, which fragments and is never
 * given back: with the demo job the heap alone held ~100 MB. A fixed threshold keeps blocks of
 * 128 KiB and more in their own mappings, returned to the system when freed (the demo job's RSS
 * went from ~400 to ~330 MB). Same as `MALLOC_MMAP_THRESHOLD_=131072`, done in-process so
 * `deno task start`, `deno run mod.ts` and the compiled binary all get it.
 */

/** `M_MMAP_THRESHOLD` of glibc's mallopt(3). */
const M_MMAP_THRESHOLD = -3;

/** The threshold set: blocks this large or larger are mapped on their own. */
export const MMAP_THRESHOLD_BYTES = 128 * 1024;

/**
 * Fixes glibc's mmap threshold; true when it was set. Without glibc (macOS, musl, Windows), FFI
 * permission, or when the user set `MALLOC_MMAP_THRESHOLD_` themselves, it does nothing.
 */
export function tuneMalloc(): boolean {
  if (Deno.build.os !== "linux") return false;
  try {
    if (Deno.env.get("MALLOC_MMAP_THRESHOLD_") !== undefined) return false;
    if (Deno.permissions.querySync({ name: "ffi" }).state !== "granted") return false;
    const libc = Deno.dlopen("libc.so.6", {
      mallopt: { parameters: ["i32", "i32"], result: "i32" },
    });
    try {
      return libc.symbols.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES) === 1;
    } finally {
      libc.close();
    }
  } catch {
    return false; // no glibc here (musl), or no permission to read the environment
  }
}
