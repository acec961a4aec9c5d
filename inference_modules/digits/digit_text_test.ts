import assert from "node:assert/strict";
import { tidyDigitText } from "./digit_text.ts";

Deno.test("tidyDigitText drops stray points and minus signs but keeps a leading minus", () => {
  assert.equal(tidyDigitText("6."), "6");
  assert.equal(tidyDigitText(".12..5."), "12.5");
  assert.equal(tidyDigitText("-1-2"), "-12");
  assert.equal(tidyDigitText("1.2.3"), "1.23");
  assert.equal(tidyDigitText(""), "");
});

Deno.test("tidyDigitText applies an implied decimal point only when none was read", () => {
  assert.equal(tidyDigitText("12345", 2), "123.45");
  assert.equal(tidyDigitText("5", 2), "0.05");
  assert.equal(tidyDigitText("12.3", 2), "12.3");
  assert.equal(tidyDigitText("-125", 1), "-12.5");
});
