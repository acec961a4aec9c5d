/**
 * Leases of preview streams: a `roi_*` preview (the ROI editor's own stream) lives while its page
 * holds it, by an open WebSocket or a heartbeat; one left without a holder for the lease time is
 * stopped and forgotten, so a killed browser cannot leave a stream and its ffmpeg running for ever.
 * Pure data and functions; the stream sessions actor applies them.
 */

/** Preview cam_ids the ROI editor opens (`roi_<random>`, one per browser tab) are leased. */
export const LEASED_PREFIX = "roi_";

/** Default lease time without a holder, ms. */
export const DEFAULT_LEASE_MS = 60_000;

/** The lease of one preview stream. */
export interface Lease {
  /** Open sockets (or other holders) that keep it alive while they last. */
  holders: readonly string[];
  /** The last heartbeat, start, or holder leaving, ms since the epoch. */
  heldAt: number;
}

/** Whether a cam_id's preview needs a holder to keep running. */
export function isLeased(camId: string): boolean {
  return camId.startsWith(LEASED_PREFIX);
}

/** When the lease runs out, ms since the epoch; null while something holds it. */
export function leaseExpiresAt(lease: Lease, leaseMs: number): number | null {
  return lease.holders.length > 0 ? null : lease.heldAt + leaseMs;
}

/** Whether the lease ran out at `now`. */
export function isLeaseExpired(lease: Lease, now: number, leaseMs: number): boolean {
  const at = leaseExpiresAt(lease, leaseMs);
  return at !== null && now >= at;
}

/** The lease after a heartbeat (or a start) at `now`. */
export function renewLease(lease: Lease | undefined, now: number): Lease {
  return { holders: lease?.holders ?? [], heldAt: now };
}

/** The lease with `holder` added. */
export function addHolder(lease: Lease | undefined, holder: string, now: number): Lease {
  const holders = lease?.holders ?? [];
  return { holders: holders.includes(holder) ? holders : [...holders, holder], heldAt: now };
}

/** The lease with `holder` gone; the lease time counts from now. */
export function removeHolder(lease: Lease, holder: string, now: number): Lease {
  return { holders: lease.holders.filter((h) => h !== holder), heldAt: now };
}

/** The earliest expiry among leases, or undefined when none can expire. */
export function nextExpiry(leases: Iterable<Lease>, leaseMs: number): number | undefined {
  let min: number | undefined;
  for (const l of leases) {
    const at = leaseExpiresAt(l, leaseMs);
    if (at !== null && (min === undefined || at < min)) min = at;
  }
  return min;
}
