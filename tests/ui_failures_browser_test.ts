/**
 * Failures shown where people look, in real headless Chromium against a real server process: a
 * job restored on a source that cannot be opened (`rtsp://127.0.0.1:9/x`, connection refused)
 * shows its state and reason with ways forward on /home, /inference, /roi and /create_source, a
 * placeholder instead of a broken image, and a summary that counts only live streams; the server
 * prints one line for the failing camera. /home's tables fit at 1280 px and fit or scroll at
 * 390 px. The ROI editor's Test all reads every ROI; Escape deselects; a duplicate id is refused
 * and leaves one entry selected. Screenshots go to tests/screenshots/ (or $VISIONROI_SCREENSHOTS).
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { type ServerProcess, startServer } from "./helpers/server.ts";
import { launchChromium, openPage, prepareUi, shot, watchPage } from "./helpers/browser.ts";
import { panelRois, writePanelPng } from "./helpers/panel.ts";
import { waitFor } from "./helpers/wait.ts";

const DEAD = "rtsp://127.0.0.1:9/x";

async function post(base: string, path: string, body: unknown): Promise<void> {
  const res = await fetch(`${base}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  assert.equal(res.status, 200, `${path}: ${await res.text()}`);
}

async function createSource(base: string, name: string, source: string): Promise<void> {
  const form = new FormData();
  form.set("name", name);
  form.set("source", source);
  const res = await fetch(`${base}/create_source`, { method: "POST", body: form });
  assert.equal(res.status, 200, await res.text());
}

/**
 * Tables inside `main` that are wider than their box: at `mustFit` every one is a failure,
 * otherwise only those whose wrapper does not scroll sideways (and cells cut inside themselves).
 */
function clippedTables(page: Page, mustFit: boolean): Promise<string[]> {
  return page.evaluate((fit) => {
    const out: string[] = [];
    // deno-lint-ignore no-explicit-any
    const d = (globalThis as any).document;
    // deno-lint-ignore no-explicit-any
    const view = globalThis as any;
    for (const table of d.querySelectorAll("main table")) {
      const box = table.parentElement;
      const name = table.closest("section")?.querySelector("h2")?.textContent ?? "table";
      const wider = table.scrollWidth > box.clientWidth + 1;
      const scrolls = ["auto", "scroll"].includes(view.getComputedStyle(box).overflowX);
      if (wider && (fit || !scrolls)) {
        out.push(`${name}: table ${table.scrollWidth} px in a ${box.clientWidth} px box`);
      }
      for (const cell of table.querySelectorAll("th, td")) {
        if (cell.scrollWidth > cell.clientWidth + 1) {
          out.push(`${name}: cell "${cell.textContent.slice(0, 30)}" cut`);
        }
      }
    }
    return out;
  }, mustFit);
}

Deno.test({
  name: "a source that cannot be opened shows its state and reason with ways forward on /home, " +
    "/inference, /roi and /create_source; /home tables fit; ROI editor Test all and Escape",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    await prepareUi();
    const dataDir = await Deno.makeTempDir({ prefix: "visionroi-ui-fail-" });
    const png = `${dataDir}/panel.png`;
    const shown = await writePanelPng(png, 7);
    // A job on a working source, saved running; then its source points at a closed port, as
    // when a camera goes away while the server is down.
    let server: ServerProcess = await startServer(dataDir);
    await createSource(server.url, "dead", png);
    await createSource(server.url, "panel", png);
    await post(server.url, "/save_roi", { source: "dead", rois: panelRois() });
    await post(server.url, "/save_roi", { source: "panel", rois: panelRois() });
    await post(server.url, "/start_inference/dead1", { name: "dead" });
    server.child.kill("SIGTERM");
    await server.exited();
    const cfgPath = `${dataDir}/dead/config.json`;
    const cfg = JSON.parse(await Deno.readTextFile(cfgPath));
    await Deno.writeTextFile(cfgPath, JSON.stringify({ ...cfg, source: DEAD }));
    server = await startServer(dataDir);
    const base = server.url;
    const chrome = await launchChromium();
    const problems: string[] = [];
    const page = await chrome.browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(30_000);
    watchPage(page, problems, []);
    try {
      await t.step("the console has one line for the failing camera, with the reason", async () => {
        const lines = () => server.output().split("\n").filter((l) => l.includes(`(${DEAD})`));
        await waitFor(() => lines().some((l) => /Connection refused/.test(l)), {
          timeoutMs: 60_000,
          what: "a console line naming the refused camera",
        });
        const first = lines()[0];
        assert.match(first, /^camera cap_\w+ \(rtsp:\/\/127\.0\.0\.1:9\/x\) .*Connection refused/);
        assert.doesNotMatch(server.output(), /undefined/);
        assert.doesNotMatch(server.output(), /Warning/i);
      });

      await t.step("/home: the failed job's reason, a placeholder, live-only summary", async () => {
        await openPage(page, `${base}/home`);
        const card = page.locator('section.card[data-cam="dead1"]');
        await card.locator(".problem", { hasText: "Connection refused" }).waitFor();
        assert.equal(await card.locator("img").count(), 0, "no image for a failed camera");
        await card.locator(".no-picture").waitFor();
        assert.ok(await card.getByRole("link", { name: "Edit source" }).count() === 1);
        const row = page.locator('tr[data-cam="dead1"]');
        await row.locator(".reason", { hasText: "Connection refused" }).waitFor();
        await page.locator('section[data-cam="demo"] tr[data-roi="counter"] .value').waitFor();
        const live = page.locator(".stat", { hasText: "streams live" });
        await waitFor(async () => (await live.locator("b").innerText()) === "1 / 2", {
          timeoutMs: 30_000,
          what: "1 of 2 streams live",
        });
        await page.locator(".stat.bad", { hasText: "without picture" }).waitFor();
        assert.deepEqual(await clippedTables(page, true), [], "tables fit at 1280 px");
        await shot(page, "failed_home");
      });

      await t.step("/home at 390 px: tables fit or scroll, nothing is cut", async () => {
        await page.setViewportSize({ width: 390, height: 844 });
        await page.locator('section[data-cam="demo"] tr[data-roi]').first().waitFor();
        assert.deepEqual(await clippedTables(page, false), [], "tables fit or scroll at 390 px");
        const wide = Number(await page.evaluate("document.documentElement.scrollWidth"));
        assert.ok(wide <= 392, `home is ${wide} px wide at 390`);
        await shot(page, "failed_home_phone");
        await page.setViewportSize({ width: 1280, height: 800 });
      });

      await t.step("/inference: the job panel says why and offers the source", async () => {
        await openPage(page, `${base}/inference`);
        const panel = page.locator('section.job-panel[data-cam="dead1"]');
        await panel.locator(".problem", { hasText: "Connection refused" }).waitFor();
        await panel.locator(".no-picture").waitFor();
        await panel.getByText("No results: camera").waitFor();
        assert.equal(
          await panel.getByRole("link", { name: "Edit source" }).getAttribute("href"),
          "/create_source?source=dead",
        );
        await shot(page, "failed_inference");
      });

      await t.step("/roi: no endless waiting — the reason, Retry and Edit source", async () => {
        await openPage(page, `${base}/roi?source=dead`);
        const box = page.locator("#stage .no-frame");
        await box.locator(".problem", { hasText: "Connection refused" }).waitFor();
        await box.getByRole("button", { name: "Retry" }).click();
        await box.locator(".problem", { hasText: "Connection refused" }).waitFor();
        await shot(page, "failed_roi");
        await box.getByRole("link", { name: "Edit source" }).click();
        await page.waitForURL(/\/create_source\?source=dead$/);
        const row = page.locator('tr.focused[data-source="dead"]');
        await row.locator(".reason", { hasText: "Connection refused" }).waitFor();
        await shot(page, "failed_create_source");
      });

      await t.step("ROI editor: Test all reads every ROI; Escape deselects", async () => {
        await openPage(page, `${base}/roi?source=panel`);
        await page.locator("#stage svg").waitFor();
        await page.getByRole("button", { name: "Test all" }).click();
        for (const [id, value] of Object.entries(shown)) {
          const reading = page.locator(`li[data-roi="${id}"] .read`);
          await reading.waitFor({ timeout: 60_000 });
          assert.equal(await reading.innerText(), String(value), id);
        }
        // Readings sit on their ROI's label line: no two texts on the frame overlap.
        const boxes = await page.locator("#stage svg text").evaluateAll((els) =>
          els.map((e) =>
            (e as unknown as { getBoundingClientRect(): DOMRect }).getBoundingClientRect()
          )
            .map((r) => ({ left: r.left, right: r.right, top: r.top, bottom: r.bottom }))
        ) as { left: number; right: number; top: number; bottom: number }[];
        for (let i = 0; i < boxes.length; i++) {
          for (let j = i + 1; j < boxes.length; j++) {
            const a = boxes[i], b = boxes[j];
            const apart = a.right <= b.left || b.right <= a.left || a.bottom <= b.top ||
              b.bottom <= a.top;
            assert.ok(apart, `labels ${i} and ${j} overlap`);
          }
        }
        await page.locator('li[data-roi="pressure"]').click();
        await page.locator('li[data-roi="pressure"][aria-selected="true"]').waitFor();
        await page.locator("main h1").click();
        await page.keyboard.press("Escape");
        await page.getByText("Select a ROI to edit its fields.").waitFor();
        assert.equal(await page.locator('li[aria-selected="true"]').count(), 0);
        await shot(page, "roi_test_all");
      });

      await t.step("ROI editor: a duplicate id is refused; one entry stays selected", async () => {
        await page.locator('li[data-roi="pressure"]').click();
        const id = page.locator('aside input[name="id"]');
        await id.fill("temperature");
        await id.press("Enter");
        await page.getByText('ID "temperature" is used by another ROI').waitFor();
        assert.equal(await page.locator('li[aria-selected="true"]').count(), 1);
        await page.locator('li[data-roi="pressure"][aria-selected="true"]').waitFor();
        await waitFor(async () => (await id.inputValue()) === "pressure", {
          what: "the form to keep the selected ROI's id",
        });
        const saved = await (await fetch(`${base}/load_roi/panel`)).json() as {
          rois: { id: string }[];
        };
        assert.deepEqual(saved.rois.map((r) => r.id).sort(), Object.keys(shown).sort());
        await shot(page, "roi_duplicate_id");
      });

      await t.step("/api/docs has the site's navigation and style at 1280 and 390 px", async () => {
        await page.goto(`${base}/api/docs`);
        await page.locator('nav[aria-label="Main"] a[aria-current="page"]', { hasText: "API" })
          .waitFor();
        await page.locator('nav[aria-label="API operations"] a[href="#tag-jobs"]').waitFor();
        await shot(page, "api_docs", { fullPage: false }); // the page is 30 000 px long
        await page.setViewportSize({ width: 390, height: 844 });
        const wide = Number(await page.evaluate("document.documentElement.scrollWidth"));
        assert.ok(wide <= 392, `/api/docs is ${wide} px wide at 390`);
        await shot(page, "api_docs_phone", { fullPage: false });
        await page.setViewportSize({ width: 1280, height: 800 });
      });

      await t.step("retries that fail the same way print no further line", async () => {
        type Cam = { id: string; restarts: number; spec: { source: string } };
        const cams = async () =>
          ((await (await fetch(`${base}/api/cameras`)).json()) as Cam[]).filter((c) =>
            c.spec.source === DEAD
          );
        const retried = await waitFor(async () => {
          const list = (await cams()).filter((c) => c.restarts >= 2);
          return list.length > 0 && list;
        }, { timeoutMs: 120_000, what: "a failing camera to be retried twice" });
        for (const cam of retried) {
          const lines = server.output().split("\n").filter((l) =>
            l.startsWith(`camera ${cam.id} `) && l.includes("not open:")
          );
          assert.equal(lines.length, 1, `${cam.id} retried ${cam.restarts} times:\n${lines}`);
        }
      });

      assert.deepEqual(problems, [], "no console errors");
    } finally {
      await chrome.close();
      server.child.kill("SIGTERM");
      await server.exited();
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});
