/** Waiting on conditions in tests: re-checks on every event loop turn batch, bounded by a deadline. */

/** Resolves with the first truthy value of `check`, rejecting with `what` after `timeoutMs`. */
export async function waitFor<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  opts: { timeoutMs?: number; what?: string; everyMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${opts.timeoutMs ?? 10_000} ms waiting for ${opts.what ?? "condition"}`,
      );
    }
    await new Promise((r) => setTimeout(r, opts.everyMs ?? 50));
  }
}
