/** Reconnect delays: exponential from 0.5 s, capped at 10 s, with ±20 % jitter. */

/** Milliseconds to wait before reconnect attempt `attempt` (0-based). */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(10_000, 500 * 2 ** Math.min(attempt, 10));
  return Math.round(base * (0.8 + 0.4 * random()));
}
