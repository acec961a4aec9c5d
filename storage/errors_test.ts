import assert from "node:assert/strict";
import { diskFullReason } from "./errors.ts";

Deno.test("diskFullReason knows ENOSPC, EDQUOT and SQLITE_FULL, also as a cause, and nothing else", () => {
  const coded = (message: string, fields: Record<string, unknown>) =>
    Object.assign(new Error(message), fields);
  assert.equal(
    diskFullReason(coded("No space left on device (os error 28)", { code: "ENOSPC" })),
    "no space left on device",
  );
  assert.equal(diskFullReason(coded("quota", { code: "EDQUOT" })), "disk quota exceeded");
  assert.equal(
    diskFullReason(coded("database or disk is full", { code: "ERR_SQLITE_ERROR", errcode: 13 })),
    "database or disk is full",
  );
  const wrapped = new Error("cannot save", {
    cause: new Error("writefile 'x': No space left on device (os error 28)"),
  });
  assert.equal(diskFullReason(wrapped), "no space left on device");
  assert.equal(diskFullReason(new Deno.errors.PermissionDenied("denied")), undefined);
  assert.equal(diskFullReason(coded("busy", { code: "ERR_SQLITE_ERROR", errcode: 5 })), undefined);
  assert.equal(diskFullReason(new RangeError("invalid name")), undefined);
  assert.equal(diskFullReason("ENOSPC"), undefined);
});
