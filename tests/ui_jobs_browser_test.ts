/**
 * The `/jobs` page in real headless Chromium against a real server process (`--no-demo`, real
 * ffmpeg, the real SQLite file): an upload through the page's form shows its upload progress, the
 * task runs to completed in the list, the CSV link downloads its rows, the results page shows the
 * table and a plot; a refused upload shows the server's message; cancel and delete work on a second
 * task; user text stays text; phone width.
 * Screenshots go to tests/screenshots/ (or $VISIONROI_SCREENSHOTS).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startServer } from "./helpers/server.ts";
import { launchChromium, openPage, prepareUi, SHOTS, watchPage } from "./helpers/browser.ts";
import { panelRois } from "./helpers/panel.ts";
import { makePanelClip } from "./helpers/panel_clip.ts";
import { getJson, uploadBatch } from "./helpers/batch_client.ts";
import { waitFor } from "./helpers/wait.ts";

const XSS = "<img src=x onerror=alert(1)>";
const SOURCE = "line3";

async function ok(res: Promise<Response>): Promise<void> {
  const r = await res;
  assert.equal(r.status, 200, await r.text());
}

/** A source whose saved ROIs are the panel's readouts (three digits ROIs and a lamp). */
async function makeSource(base: string, png: string): Promise<void> {
  const form = new FormData();
  form.set("name", SOURCE);
  form.set("source", png);
  await ok(fetch(`${base}/create_source`, { method: "POST", body: form }));
  await ok(fetch(`${base}/save_roi`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ source: SOURCE, rois: panelRois() }),
  }));
}

/** Records every value the upload bar's aria-valuenow takes (in `uploadSeen`), as it changes. */
const RECORD_UPLOAD_BAR = `(() => {
  const seen = (globalThis.uploadSeen = []);
  new MutationObserver(() => {
    const bar = document.querySelector('[role="progressbar"][aria-label="upload"]');
    const v = Number(bar?.getAttribute("aria-valuenow"));
    if (bar && seen.at(-1) !== v) seen.push(v);
  }).observe(document.body, { subtree: true, childList: true, attributes: true });
})()`;

/** A clip `times` times as long as `clip`, stream-copied (no re-encode). */
async function looped(clip: string, out: string, times: number): Promise<string> {
  const r = await new Deno.Command("ffmpeg", {
    args: ["-v", "error", "-stream_loop", String(times - 1), "-i", clip, "-c", "copy", out],
  }).output();
  assert.ok(r.success, new TextDecoder().decode(r.stderr));
  return out;
}

Deno.test({
  name: "jobs page: an upload with its progress bar runs to completed, downloads CSV, shows rows " +
    "and a plot; cancel and delete work on a second task",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    await prepareUi();
    const dir = await Deno.makeTempDir({ prefix: "visionroi-jobs-ui-" });
    const clip = await makePanelClip(dir, { seconds: 3, fps: 5 });
    const long = await looped(clip.path, join(dir, "long.mp4"), 40);
    const chrome = await launchChromium();
    const server = await startServer(join(dir, "data"), ["--no-demo"]);
    const base = server.url;
    const problems: string[] = [];
    const dialogs: string[] = [];
    const page = await chrome.browser.newPage({ viewport: { width: 1280, height: 720 } });
    watchPage(page, problems, dialogs);
    page.setDefaultTimeout(15_000);
    let taskId = "";
    // A failed step ends the test: the later ones build on it.
    const step = async (name: string, fn: () => Promise<void>) => {
      if (!await t.step(name, fn)) throw new Error(`step failed: ${name}`);
    };
    try {
      await makeSource(base, join(dir, "p0.png"));

      await step("the form uploads with a progress bar and the task appears", async () => {
        await openPage(page, `${base}/jobs`);
        assert.equal(await page.locator('nav a[aria-current="page"]').textContent(), "Jobs");
        await page.locator('select[name="source"] option', { hasText: SOURCE })
          .waitFor({ state: "attached" });
        await page.selectOption('select[name="source"]', SOURCE);
        await page.setInputFiles('input[name="file"]', clip.path);
        await page.fill('input[name="name"]', `panel ${XSS}`);
        await page.evaluate(RECORD_UPLOAD_BAR);
        // Slow the upload so its progress events are seen on their way to 100 %.
        const cdp = await page.context().newCDPSession(page);
        const size = (await Deno.stat(clip.path)).size;
        await cdp.send("Network.emulateNetworkConditions", {
          offline: false,
          latency: 0,
          downloadThroughput: -1,
          uploadThroughput: size / 2,
        });
        await page.click('#batch-upload button[type="submit"]');
        await page.locator(".notice.ok", { hasText: "queued" }).waitFor({ timeout: 20_000 });
        await cdp.send("Network.emulateNetworkConditions", {
          offline: false,
          latency: 0,
          downloadThroughput: -1,
          uploadThroughput: -1,
        });
        const seen = await page.evaluate("globalThis.uploadSeen") as number[];
        assert.ok(seen.some((v) => v > 0 && v < 100), `upload progress in between: ${seen}`);
        assert.equal(seen.at(-1), 100, `upload bar ends full: ${seen}`);
        const row = page.locator("li.batch-task").first();
        await row.waitFor();
        assert.equal(await row.locator(".batch-name").textContent(), `panel ${XSS}`);
        taskId = String(await row.getAttribute("data-task"));
        assert.match(taskId, /^[0-9a-f-]{36}$/);
      });

      await step("the task's progress bar reaches 100 % and completed", async () => {
        const row = page.locator(`li.batch-task[data-task="${taskId}"]`);
        await row.and(page.locator('[data-status="completed"]')).waitFor({ timeout: 30_000 });
        const bar = row.locator('[role="progressbar"]');
        assert.equal(await bar.getAttribute("aria-valuenow"), "100");
        assert.match(String(await row.textContent()), /15 \/ 15 frames · 60 reads/);
        assert.equal(await row.locator("button", { hasText: "Cancel" }).count(), 0);
        await page.screenshot({ path: `${SHOTS}/jobs.png`, fullPage: true });
      });

      await step("the CSV link downloads one row per frame × ROI", async () => {
        const row = page.locator(`li.batch-task[data-task="${taskId}"]`);
        const [download] = await Promise.all([
          page.waitForEvent("download"),
          row.locator("a", { hasText: "CSV" }).click(),
        ]);
        assert.equal(download.suggestedFilename(), `batch-${taskId}.csv`);
        const csv = await Deno.readTextFile(String(await download.path()));
        const lines = csv.trim().split("\n");
        assert.equal(lines.length, 61);
        assert.match(lines[0], /^task_id,frame_index,frame_time,roi_id,name,module,text,value/);
        assert.match(lines[1], new RegExp(`^${taskId},0,0,temperature,Temperature °C,digits,`));
      });

      await step("the results page shows the rows and a plot of the numeric ROIs", async () => {
        await page.locator(`li.batch-task[data-task="${taskId}"] a`, { hasText: "Results" })
          .click();
        await page.waitForURL(`${base}/jobs/${taskId}`);
        await page.locator("[data-island][data-hydrated]").waitFor();
        await page.locator("#batch-rows tbody tr").nth(59).waitFor();
        assert.equal(await page.locator("#batch-rows tbody tr").count(), 60);
        assert.equal(await page.locator("h1").textContent(), `Results of panel ${XSS}`);
        assert.equal(await page.locator("img[src=x]").count(), 0);
        const first = await page.locator("#batch-rows tbody tr").first().locator("td")
          .allTextContents();
        assert.deepEqual(first.slice(0, 3), ["0", "0:00.000", "temperature"]);
        assert.equal(first[5], clip.values[0].temperature);
        const charts = page.locator("#batch-plot .chart");
        assert.equal(await charts.count(), 4, "one plot per numeric ROI");
        for (const points of await charts.evaluateAll((els) => els.map((e) => e.dataset.points))) {
          assert.equal(points, "15");
        }
        assert.equal(await page.locator("#batch-plot canvas").count(), 4);
        assert.deepEqual(await page.locator("#batch-plot h3").allTextContents(), [
          "Batch counter",
          "Pressure bar",
          "Pump running",
          "Temperature °C",
        ]);
        await page.selectOption('select[aria-label="show rows of ROI"]', "pump_lamp");
        assert.equal(await page.locator("#batch-rows tbody tr").count(), 15);
        await page.screenshot({ path: `${SHOTS}/jobs_results.png`, fullPage: true });
      });

      await step("a refused upload shows the server's message and makes no task", async () => {
        await openPage(page, `${base}/jobs`);
        await page.locator("li.batch-task").first().waitFor();
        await page.selectOption('select[name="source"]', "");
        await page.setInputFiles('input[name="file"]', clip.path);
        await page.fill('textarea[name="rois"]', "[not json");
        await page.click('#batch-upload button[type="submit"]');
        const alert = page.locator('.notice.error[role="alert"]');
        await alert.waitFor();
        assert.match(
          String(await alert.textContent()),
          /^Cannot upload "panel\.mp4": 400: .*invalid rois: not JSON/,
        );
        assert.equal(await page.locator("li.batch-task").count(), 1);
        // Chromium logs the refused request itself as a console error: that one is expected.
        const at = () => problems.findIndex((p) => /status of 400 \(Bad Request\)/.test(p));
        await waitFor(() => at() >= 0, { what: "the console line of the 400" });
        problems.splice(at(), 1);
      });

      await step("cancel and delete work on a second task", async () => {
        const up = await uploadBatch(base, [{ name: "long.mp4", path: long }], {
          source: SOURCE,
          name: "long footage",
        });
        assert.equal(up.status, 201, JSON.stringify(up.json));
        const id = String(up.json.task_id);
        await openPage(page, `${base}/jobs`);
        const row = page.locator(`li.batch-task[data-task="${id}"]`);
        await row.locator("button", { hasText: "Cancel" }).click();
        await row.and(page.locator('[data-status="cancelled"]')).waitFor({ timeout: 10_000 });
        assert.equal(await row.locator("button", { hasText: "Cancel" }).count(), 0);
        assert.equal((await getJson(`${base}/api/batch/${id}`)).json.status, "cancelled");
        // The list shows "cancelled" (polled) before the cancel request answers; its notice comes
        // when it does. Delete after it, so each notice is checked on its own.
        await page.locator(".notice.ok", { hasText: 'Cancelled "long footage".' }).waitFor({
          timeout: 30_000,
        });
        await row.locator("button", { hasText: "Delete" }).click();
        await row.waitFor({ state: "detached", timeout: 10_000 });
        assert.ok(dialogs.some((d) => d.startsWith('confirm: Delete task "long footage"')));
        assert.equal((await getJson(`${base}/api/batch/${id}`)).status, 404);
        await page.locator(".notice.ok", { hasText: 'Deleted "long footage".' }).waitFor({
          timeout: 30_000,
        });
      });

      await step(
        "phone width: the list and the results fit without sideways scrolling",
        async () => {
          await page.setViewportSize({ width: 390, height: 844 });
          for (
            const [path, name] of [["/jobs", "phone_jobs"], [
              `/jobs/${taskId}`,
              "phone_jobs_results",
            ]]
          ) {
            await openPage(page, `${base}${path}`);
            await page.locator("li.batch-task, #batch-rows").first().waitFor();
            const wide = Number(
              await page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth",
              ),
            );
            assert.ok(wide <= 0, `${path} scrolls sideways by ${wide}px`);
            await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
          }
        },
      );

      assert.deepEqual(problems, []);
    } finally {
      await page.close();
      await chrome.close();
      server.child.kill("SIGTERM");
      await server.exited();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
