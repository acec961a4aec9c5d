import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import type { RoiResultEntry } from "../jobs/result_bus.ts";
import { fires, placeholderValues, renderBody, retryDelayMs, signBody } from "./webhook_rules.ts";
import { parseWebhookBody } from "../../storage/webhook_config.ts";

function entry(over: Partial<RoiResultEntry> = {}): RoiResultEntry {
  return {
    id: "r1",
    name: "Meter",
    text: "12.5",
    module: "digits",
    group: "g",
    cam_id: "cam1",
    source: "src",
    frame_time: 1_700_000_000.25,
    result_time: 1_700_000_000.5,
    duration: 0.01,
    value: 12.5,
    ...over,
  };
}

const hook = (over: Record<string, unknown> = {}) =>
  parseWebhookBody({ name: "h", url: "http://127.0.0.1:9/x", ...over });

Deno.test("webhook filter: sources, cam_ids and ROIs narrow; empty lists watch everything", () => {
  const every = hook({ when: "every" });
  assert.equal(fires(every, entry()), true);
  const narrow = hook({ when: "every", sources: ["src"], cam_ids: ["cam1"], rois: ["r2"] });
  assert.equal(fires(narrow, entry()), false);
  assert.equal(fires(narrow, entry({ id: "r2" })), true);
  assert.equal(fires(narrow, entry({ id: "r2", cam_id: "cam2" })), false);
  assert.equal(fires(narrow, entry({ id: "r2", source: "other" })), false);
});

Deno.test("webhook when: a missing status is accepted; rejected fires only for rejected readings", () => {
  const rejected = hook({ when: "rejected" });
  const every = hook({ when: "every" });
  const bad = entry({ status: "rejected", reason: "rate 37/min > 10/min" });
  assert.equal(fires(rejected, entry()), false);
  assert.equal(fires(rejected, entry({ status: "accepted" })), false);
  assert.equal(fires(rejected, bad), true);
  assert.equal(fires(every, bad), false);
  assert.equal(fires(every, entry({ status: "accepted" })), true);
  assert.equal(fires(hook({ when: "match", pattern: "." }), bad), false);
  assert.equal(fires(hook({ when: "changed" }), bad, { previous: "1" }), false);
  // A repeat held back by the ROI's on_change_only rule is accepted but fires nothing.
  assert.equal(fires(every, entry({ status: "accepted", unchanged: true })), false);
  assert.equal(fires(rejected, entry({ status: "accepted", unchanged: true })), false);
});

Deno.test("webhook when: changed compares with the previous accepted text; match tests the pattern", () => {
  const changed = hook({ when: "changed" });
  assert.equal(fires(changed, entry(), { previous: undefined }), true);
  assert.equal(fires(changed, entry(), { previous: "12.5" }), false);
  assert.equal(fires(changed, entry(), { previous: "12.4" }), true);
  const match = hook({ when: "match", pattern: "^1\\d\\.5$" });
  assert.equal(fires(match, entry()), true);
  assert.equal(fires(match, entry({ text: "22.5" })), false);
  // A global-flag regex keeps no state between entries.
  const g = /5/g;
  assert.equal(fires(match, entry({ text: "15.5" }), { pattern: g }), true);
  assert.equal(fires(match, entry({ text: "15.5" }), { pattern: g }), true);
});

Deno.test("webhook body: a whole-string placeholder keeps its JSON type, others become text", () => {
  const values = placeholderValues(
    entry({ status: "rejected", reason: "max 99 < 120", text: 'say "hi"\n' }),
    { name: "h", when: "rejected" },
  );
  const body = renderBody({
    v: "{{value}}",
    t: "{{ text }}",
    line: "{{roi_name}} = {{value}} at {{frame_time}}",
    ft: "{{frame_time}}",
    nested: [{ s: "{{status}}", r: "{{reason}}" }, 3, true, null],
    "{{text}}": "keys are literal",
  }, values);
  assert.deepEqual(JSON.parse(body), {
    v: 12.5,
    t: 'say "hi"\n',
    line: "Meter = 12.5 at 1700000000.25",
    ft: 1_700_000_000.25,
    nested: [{ s: "rejected", r: "max 99 < 120" }, 3, true, null],
    "{{text}}": "keys are literal",
  });
  const noValue = placeholderValues(entry({ value: undefined, confidence: undefined }), {
    name: "h",
    when: "every",
  });
  assert.deepEqual(JSON.parse(renderBody({ v: "{{value}}", c: "{{confidence}}" }, noValue)), {
    v: null,
    c: null,
  });
});

Deno.test("webhook signature: sha256=<hex> HMAC of the exact body, as a receiver computes it", async () => {
  const body = JSON.stringify({ text: "ü 12,5", value: 12.5 });
  const expected = createHmac("sha256", "s3cret").update(body, "utf8").digest("hex");
  assert.equal(await signBody("s3cret", body), `sha256=${expected}`);
  assert.notEqual(await signBody("other", body), `sha256=${expected}`);
});

Deno.test("webhook retry delay doubles from the initial delay up to the cap", () => {
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6, 40].map((n) => retryDelayMs(n, { initialMs: 1_000, maxMs: 10_000 })),
    [
      1_000,
      2_000,
      4_000,
      8_000,
      10_000,
      10_000,
      10_000,
    ],
  );
});
