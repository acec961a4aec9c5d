import assert from "node:assert/strict";
import { DEFAULT_BODY, parseWebhookBody } from "./webhook_config.ts";
import { parseWebhooksFile, WebhookStore } from "./webhook_store.ts";

const base = { name: "h", url: "https://example.test/hook" };

Deno.test("webhook body: defaults filled; every bad field is refused naming field and value", () => {
  const h = parseWebhookBody({ ...base });
  assert.equal(h.when, "changed");
  assert.equal(h.enabled, true);
  assert.equal(h.queue_size, 1000);
  assert.deepEqual(h.body, DEFAULT_BODY);
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ url: "ftp://x/y" }, /^invalid url "ftp:\/\/x\/y": expected an http/],
    [{ url: "javascript:alert(1)" }, /^invalid url "javascript:alert\(1\)"/],
    [{ name: "a/b" }, /^invalid name "a\/b": no slashes/],
    [{ name: "" }, /^invalid name "": must not be empty/],
    [{ when: "sometimes" }, /^invalid when "sometimes"/],
    [{ when: "match" }, /^invalid pattern: required for when "match"/],
    [{ when: "match", pattern: "([a-" }, /^invalid pattern "\(\[a-": Invalid regular expression/],
    [{ when: "match", pattern: "a".repeat(201) }, /^invalid pattern "a{0,80}.*at most 200/],
    [
      { body: { t: "{{txt}}" } },
      /^invalid body \{"t":"\{\{txt\}\}"\}: unknown placeholder \{\{txt\}\}/,
    ],
    [{ body: "{{text}}" }, /^invalid body "\{\{text\}\}"/],
    [{ body: { t: "x".repeat(20_000) } }, /^invalid body .*at most 16384 characters/],
    [{ timeout_s: 0 }, /^invalid timeout_s 0: at least 0.1/],
    [{ queue_size: 1.5 }, /^invalid queue_size 1.5: expected an integer/],
    [{ queue_size: 0 }, /^invalid queue_size 0: at least 1/],
    [{ retry_initial_s: 10, retry_max_s: 5 }, /^invalid retry_max_s 5: must be at least/],
    [{ rois: "r1" }, /^invalid rois "r1"/],
    [{ colour: "red" }, /^invalid colour "red": unknown field/],
  ];
  for (const [over, re] of bad) {
    assert.throws(() => parseWebhookBody({ ...base, ...over }), (err: Error) => {
      assert.ok(err instanceof RangeError, `${JSON.stringify(over)}: ${err}`);
      assert.match(err.message, re);
      return true;
    });
  }
});

Deno.test("webhook body: a secret is never echoed in an error", () => {
  assert.throws(
    () => parseWebhookBody({ ...base, secret: "TOPSECRET".repeat(40) }),
    (err: Error) => {
      assert.match(err.message, /^invalid secret: at most 256 characters/);
      assert.doesNotMatch(err.message, /TOPSECRET/);
      return true;
    },
  );
});

Deno.test("webhook PUT merge: omitted fields (the secret too) keep their value; no rename", () => {
  const stored = parseWebhookBody({ ...base, secret: "k1", when: "every", queue_size: 50 });
  const next = parseWebhookBody({ timeout_s: 2 }, stored);
  assert.equal(next.secret, "k1");
  assert.equal(next.when, "every");
  assert.equal(next.queue_size, 50);
  assert.equal(next.timeout_s, 2);
  assert.equal(parseWebhookBody({ secret: "" }, stored).secret, "");
  assert.throws(() => parseWebhookBody({ name: "other" }, stored), /cannot be renamed/);
});

Deno.test("webhooks.json: bad entries are skipped and logged; the file is mode 0600 and sorted", async () => {
  const lines: string[] = [];
  const hooks = parseWebhooksFile(
    JSON.stringify([{ ...base, name: "b" }, { name: "x", url: "ftp://no" }, {
      ...base,
      name: "a",
    }]),
    (l) => lines.push(l),
  );
  assert.deepEqual(hooks.map((h) => h.name), ["a", "b"]);
  assert.equal(lines.length, 1);
  assert.match(lines[0], /entry 2 skipped: invalid url "ftp:\/\/no"/);
  const dir = await Deno.makeTempDir();
  try {
    const store = new WebhookStore(dir);
    await store.create(parseWebhookBody({ ...base, name: "z", secret: "k" }));
    await store.create(parseWebhookBody({ ...base, name: "m" }));
    assert.equal((await Deno.stat(store.path)).mode! & 0o777, 0o600);
    const again = new WebhookStore(dir);
    assert.deepEqual((await again.load()).map((h) => [h.name, h.secret]), [["m", ""], ["z", "k"]]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
