/**
 * The Webhooks page in real Chromium against a real server and a local receiver: a hook created
 * from the form delivers a running job's readings, its row shows the delivery state and counters,
 * and an edit without a secret keeps the stored one. Screenshot in $VISIONROI_SHOTS (if set).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { launchChromium, watchPage } from "./helpers/browser.ts";
import { startServer } from "./helpers/server.ts";
import { createSource, post } from "./helpers/http.ts";
import { startReceiver } from "./helpers/webhook_receiver.ts";
import { waitFor } from "./helpers/wait.ts";
import { demoRois } from "../actors/frame_sources/demo.ts";
import { buildUi, uiIsStale } from "../scripts/build_ui.ts";

Deno.test({
  name: "webhooks page: create a hook from the form, see it deliver, edit it keeping the secret",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    if (await uiIsStale()) await buildUi();
    const dir = await Deno.makeTempDir({ prefix: "visionroi-webhooks-ui-" });
    const data = join(dir, "data");
    const rx = startReceiver({ "/ui": { secret: "ui-secret" } });
    const server = await startServer(data, ["--no-demo"]);
    const chromium = await launchChromium();
    const problems: string[] = [];
    const dialogs: string[] = [];
    try {
      const base = server.url;
      await createSource(base, "panel", "demo");
      const rois = demoRois("g").filter((r) => r.id === "pump_lamp");
      await post(`${base}/save_roi`, { source: "panel", rois });
      await post(`${base}/start_inference/cam1`, { name: "panel", interval: 0.5 });

      const page = await chromium.browser.newPage({ viewport: { width: 1280, height: 900 } });
      watchPage(page, problems, dialogs);
      await page.goto(`${base}/webhooks`);
      await page.locator("[data-island][data-hydrated]").first().waitFor({ timeout: 10_000 });
      const form = page.locator('form[aria-label="Webhook"]');
      await form.locator('input[name="name"]').fill("ui");
      await form.locator('input[name="url"]').fill(rx.url("/ui"));
      await form.locator('input[name="secret"]').fill("ui-secret");
      await form.locator('select[name="when"]').selectOption("every");
      await form.getByRole("button", { name: "Create" }).click();
      const row = page.locator('tr[data-webhook="ui"]');
      await row.waitFor();
      // The row's counters follow the deliveries (polled every 3 s).
      await row.locator(".badge", { hasText: /idle|sending/ }).waitFor({ timeout: 20_000 });
      const counters = row.locator("td").nth(4);
      await waitFor(async () => /^\d+ · [1-9]\d* · 0$/.test((await counters.innerText()).trim()), {
        timeoutMs: 20_000,
        what: "deliveries counted in the row",
      });
      assert.ok(rx.on("/ui").length > 0 && rx.on("/ui").every((r) => r.verified));
      assert.equal((await page.content()).includes("ui-secret"), false, "the secret is not shown");

      await row.getByRole("button", { name: "Edit" }).click();
      assert.equal(await form.locator('input[name="secret"]').inputValue(), "");
      await form.locator('input[name="timeout_s"]').fill("2");
      await form.getByRole("button", { name: "Save changes" }).click();
      await page.locator(".notice", { hasText: 'Updated "ui"' }).waitFor();
      const stored = JSON.parse(await Deno.readTextFile(join(data, "webhooks.json")));
      assert.deepEqual([stored[0].timeout_s, stored[0].secret], [2, "ui-secret"]);
      const shots = Deno.env.get("VISIONROI_SHOTS");
      if (shots) await page.screenshot({ path: `${shots}/webhooks.png`, fullPage: true });
      assert.deepEqual(problems, []);
      assert.deepEqual(dialogs, []);
    } finally {
      await chromium.close();
      await server.kill9();
      await rx.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
