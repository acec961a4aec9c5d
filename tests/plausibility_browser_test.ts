/**
 * The ROI editor's plausibility section in real headless Chromium against a real server process
 * running the demo job: the rules fields generated from the schema show the saved rules and save
 * an edit, the last status and reason of the running job's readings appear, and "Set PreValue"
 * sets it through the API.
 */
import assert from "node:assert/strict";
import { startServer } from "./helpers/server.ts";
import { launchChromium, watchPage } from "./helpers/browser.ts";
import { waitFor } from "./helpers/wait.ts";
import { buildUi, uiIsStale } from "../scripts/build_ui.ts";
import { demoRois } from "../actors/frame_sources/demo.ts";

const SHOTS = Deno.env.get("VISIONROI_SCREENSHOTS") ??
  new URL("./screenshots/", import.meta.url).pathname;

Deno.test({
  name:
    "browser: the ROI editor edits rules, shows the last status and reason, and sets the PreValue",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    if (await uiIsStale()) await buildUi();
    const dataDir = await Deno.makeTempDir({ prefix: "visionroi-rules-ui-" });
    const chrome = await launchChromium();
    const server = await startServer(dataDir);
    const problems: string[] = [];
    const dialogs: string[] = [];
    const base = server.url;
    try {
      const rois = demoRois("demo").map((r) =>
        r.id === "counter" ? { ...r, rules: { max_delta: 0.5 } } : r
      );
      const saved = await fetch(`${base}/save_roi`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ source: "demo", rois }),
      });
      assert.equal(saved.status, 200);
      await saved.body?.cancel();
      const page = await chrome.browser.newPage({ viewport: { width: 1280, height: 900 } });
      watchPage(page, problems, dialogs);
      await page.goto(`${base}/roi?source=demo`);
      await page.locator("[data-island][data-hydrated]").first().waitFor({ timeout: 10_000 });
      await page.locator('li[data-roi="counter"]').click();
      const delta = page.locator('input[name="rule-max_delta"]');
      assert.equal(await delta.inputValue(), "0.5", "the saved rule is shown in its field");
      const reason = page.locator('[data-testid="roi-reason"]');
      await reason.waitFor({ timeout: 60_000 });
      assert.match(await reason.innerText(), /^delta \d+ > 0\.5$/);
      assert.equal(await page.locator('[data-testid="roi-status"] .badge').innerText(), "rejected");
      await Deno.mkdir(SHOTS, { recursive: true });
      await page.screenshot({ path: `${SHOTS}/roi_rules.png`, fullPage: true });

      // Set PreValue from the form; the API has it and the form shows it.
      await page.fill('input[name="prevalue"]', "4711,5");
      await page.getByRole("button", { name: "Set PreValue" }).click();
      await page.getByText("PreValue set to 4711,5.").waitFor({ timeout: 10_000 });
      const pre = await (await fetch(`${base}/api/rois/demo/counter/prevalue`)).json();
      assert.equal(pre.value, 4711.5);

      // An edited rule field is saved into the ROI's rules.
      await delta.fill("100000");
      await delta.press("Enter");
      await waitFor(async () => {
        const r = await (await fetch(`${base}/load_roi/demo`)).json();
        const counter = r.rois.find((e: { id: string }) => e.id === "counter");
        return counter?.rules?.max_delta === 100000;
      }, { timeoutMs: 15_000, what: "max_delta saved from the form" });
      // With the wide rule the running job accepts the counter again (the edit reached it).
      await waitFor(
        async () =>
          (await page.locator('[data-testid="roi-status"] .badge').innerText()) ===
            "accepted",
        { timeoutMs: 30_000, what: "an accepted counter reading in the form" },
      );
      assert.deepEqual(problems, []);
      assert.deepEqual(dialogs, []);
    } finally {
      await chrome.close();
      await server.kill9();
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});
