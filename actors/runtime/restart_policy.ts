/** Restart policy as a value with pure helpers, so supervision is testable without waiting. */

/** How a child is treated when it exits: OTP's three kinds. */
export type RestartKind = "permanent" | "transient" | "temporary";

/** Backoff and budget of a supervised child; every field has the default noted. */
export interface RestartPolicy {
  /** First restart delay, ms (500). */
  readonly initialDelayMs: number;
  /** Largest restart delay, ms (30 000). */
  readonly maxDelayMs: number;
  /** Fraction of the delay added or removed at random (0.2). */
  readonly jitter: number;
  /** A child up this long has its backoff reset, ms (60 000). */
  readonly stableAfterMs: number;
  /** More than this many restarts within `windowMs` parks the child as failed (5). */
  readonly maxRestarts: number;
  /** The window for `maxRestarts`, ms (60 000). */
  readonly windowMs: number;
  /** Largest delay during the first `earlyWindowMs` of a run of failures, ms (Infinity: none). */
  readonly earlyMaxDelayMs: number;
  /** How long a run of failures counts as early, ms (0). */
  readonly earlyWindowMs: number;
}

/** The defaults the product runs with. */
export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  initialDelayMs: 500,
  maxDelayMs: 30_000,
  jitter: 0.2,
  stableAfterMs: 60_000,
  maxRestarts: 5,
  windowMs: 60_000,
  earlyMaxDelayMs: Infinity,
  earlyWindowMs: 0,
};

/**
 * Delay before restart number `attempt` (0-based): initial × 2^attempt, capped, then jittered by
 * ±jitter using `random` in [0, 1). The jitter never takes the delay past the cap. While the run of
 * failures is younger than `earlyWindowMs` (`failingForMs`), the cap is `earlyMaxDelayMs`.
 */
export function nextRestartDelay(
  policy: RestartPolicy,
  attempt: number,
  random: () => number = Math.random,
  failingForMs = Infinity,
): number {
  const early = failingForMs < policy.earlyWindowMs;
  const cap = early ? Math.min(policy.maxDelayMs, policy.earlyMaxDelayMs) : policy.maxDelayMs;
  const base = Math.min(cap, policy.initialDelayMs * 2 ** Math.max(0, attempt));
  const spread = base * policy.jitter * (random() * 2 - 1);
  return Math.round(Math.min(cap, Math.max(0, base + spread)));
}

/** True when the restarts at `times` (ms) within the window ending `now` exceed the budget. */
export function isRestartingTooFast(
  policy: RestartPolicy,
  times: readonly number[],
  now: number,
): boolean {
  return times.filter((t) => now - t < policy.windowMs).length > policy.maxRestarts;
}

/** Whether a child that exited should be restarted under its kind. */
export function shouldRestart(kind: RestartKind, exit: "normal" | "error"): boolean {
  if (kind === "permanent") return true;
  if (kind === "transient") return exit === "error";
  return false;
}
