/** Paced loops for sources that make their own frames (still image, demo): a timer, never a busy loop. */

/** Waits `ms` milliseconds or until `signal` aborts, whichever comes first; never rejects. */
export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

/** The real {@linkcode Sleep}: a setTimeout that an abort cuts short. */
export const abortableSleep: Sleep = (ms, signal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });

/** Options for {@linkcode pacedTicks}. */
export interface PacingOptions {
  /** Clock, ms; default `Date.now`. */
  now?: () => number;
  /** Timer; default {@linkcode abortableSleep}. */
  sleep?: Sleep;
}

/**
 * Yields the current time at `fps` until `signal` aborts: at once for the first tick, then on
 * a fixed schedule (start + n / fps) so slow consumers do not make the rate drift. A consumer
 * that falls more than one interval behind skips the missed ticks instead of bursting.
 */
export async function* pacedTicks(
  fps: number,
  opts: PacingOptions & { signal: AbortSignal },
): AsyncGenerator<number, void, undefined> {
  const { signal, now = Date.now, sleep = abortableSleep } = opts;
  const interval = 1000 / fps;
  let due = now();
  while (!signal.aborted) {
    yield now();
    if (signal.aborted) return;
    due += interval;
    const late = now() - due;
    if (late > interval) due += Math.floor(late / interval) * interval;
    const wait = due - now();
    if (wait > 0) await sleep(wait, signal);
  }
}
