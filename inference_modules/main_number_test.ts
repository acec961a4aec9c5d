import assert from "node:assert/strict";
import { mainNumber } from "./main_number.ts";

Deno.test("mainNumber takes the first number; dates and times hold none", () => {
  assert.equal(mainNumber("87\n0 m/mn"), 87);
  assert.equal(mainNumber("-1.5 bar"), -1.5);
  assert.equal(mainNumber("12,5 %"), 12.5);
  assert.equal(mainNumber("% LINE"), undefined);
  assert.equal(mainNumber("15/09/2025"), undefined);
  assert.equal(mainNumber("11:26:06"), undefined);
});
