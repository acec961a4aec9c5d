import assert from "node:assert/strict";
import {
  addHolder,
  isLeased,
  isLeaseExpired,
  leaseExpiresAt,
  nextExpiry,
  removeHolder,
  renewLease,
} from "./preview_leases.ts";

Deno.test("a lease without a holder runs out 60 s after it was last held", () => {
  const lease = renewLease(undefined, 1_000);
  assert.equal(leaseExpiresAt(lease, 60_000), 61_000);
  assert.equal(isLeaseExpired(lease, 60_999, 60_000), false);
  assert.equal(isLeaseExpired(lease, 61_000, 60_000), true);
  const beat = renewLease(lease, 50_000);
  assert.equal(isLeaseExpired(beat, 61_000, 60_000), false);
  assert.equal(leaseExpiresAt(beat, 60_000), 110_000);
});

Deno.test("an open socket holds a lease until it leaves; the time counts from then", () => {
  const held = addHolder(renewLease(undefined, 0), "ws:1", 10);
  assert.equal(leaseExpiresAt(held, 60_000), null);
  assert.equal(isLeaseExpired(held, 10_000_000, 60_000), false);
  const twice = addHolder(held, "ws:2", 20);
  const one = removeHolder(twice, "ws:1", 500);
  assert.equal(leaseExpiresAt(one, 60_000), null, "ws:2 still holds it");
  const none = removeHolder(one, "ws:2", 900);
  assert.equal(leaseExpiresAt(none, 60_000), 60_900);
  assert.equal(nextExpiry([held, none, renewLease(undefined, 100)], 60_000), 60_100);
  assert.equal(nextExpiry([held], 60_000), undefined);
});

Deno.test("only the ROI editor's roi_* previews are leased", () => {
  assert.equal(isLeased("roi_1a2b3c4d"), true);
  assert.equal(isLeased("1"), false);
  assert.equal(isLeased("cam_roi_x"), false);
});
