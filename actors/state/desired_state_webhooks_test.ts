import assert from "node:assert/strict";
import { type Change, DesiredState } from "./desired_state.ts";
import { SourceStore } from "../../storage/source_store.ts";
import { FileSnapshotStore } from "../runtime/mod.ts";
import { WebhookStore } from "../../storage/webhook_store.ts";
import { parseWebhookBody } from "../../storage/webhook_config.ts";
import { ConflictError, NotFoundError } from "../../storage/errors.ts";

Deno.test("desired state: webhooks are written to webhooks.json before subscribers hear; a PUT keeps the secret", async () => {
  const dir = await Deno.makeTempDir();
  const state = new DesiredState({
    sources: new SourceStore(dir),
    jobs: new FileSnapshotStore(`${dir}/.actors`),
    webhooks: new WebhookStore(dir),
  });
  const heard: string[] = [];
  state.subscribe(async (c: Change) => {
    const file = JSON.parse(await Deno.readTextFile(`${dir}/webhooks.json`)) as { name: string }[];
    heard.push(`${c.op} ${c.name}: ${file.map((h) => h.name).join(",")}`);
  }, { kind: "webhook" });
  try {
    const hook = parseWebhookBody({ name: "a", url: "http://127.0.0.1:9/", secret: "k" });
    await state.createWebhook(hook);
    await assert.rejects(() => state.createWebhook(hook), ConflictError);
    const updated = await state.updateWebhook(
      "a",
      (base) => parseWebhookBody({ when: "every" }, base),
    );
    assert.deepEqual([updated.when, updated.secret], ["every", "k"]);
    assert.equal(state.webhook("a")?.when, "every");
    await assert.rejects(() => state.updateWebhook("b", (b) => b), NotFoundError);
    await state.deleteWebhook("a");
    await assert.rejects(() => state.deleteWebhook("a"), NotFoundError);
    assert.deepEqual(heard, ["put a: a", "put a: a", "delete a: "]);
    assert.deepEqual(state.webhooks(), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("desired state: a webhook write that cannot reach the disk is refused and tells nobody", async () => {
  const dir = await Deno.makeTempDir();
  const state = new DesiredState({
    sources: new SourceStore(dir),
    jobs: new FileSnapshotStore(`${dir}/.actors`),
    webhooks: new WebhookStore(`${dir}/missing`),
  });
  const heard: Change[] = [];
  state.subscribe((c) => void heard.push(c));
  try {
    const hook = parseWebhookBody({ name: "a", url: "http://127.0.0.1:9/" });
    await assert.rejects(() => state.createWebhook(hook), Deno.errors.NotFound);
    assert.deepEqual(state.webhooks(), []);
    assert.deepEqual(heard, []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
