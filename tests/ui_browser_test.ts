/**
 * The browser UI in real headless Chromium against a real server process (demo source and demo
 * job running): live dashboard values and plots, creating a source, drawing and reshaping ROIs
 * (checked in the saved file), Test on the current frame, a job started and stopped from
 * /inference, MQTT create and edit, user text rendered as text, phone width, no console errors.
 * Screenshots of every page go to tests/screenshots/ (or $VISIONROI_SCREENSHOTS).
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { startServer } from "./helpers/server.ts";
import {
  getOkJson,
  launchChromium,
  openPage,
  prepareUi,
  shot,
  watchPage,
} from "./helpers/browser.ts";
import { writePanelPng } from "./helpers/panel.ts";
import { waitFor } from "./helpers/wait.ts";
import { TOKEN_FILE } from "../storage/token_store.ts";

const XSS = "<img src=x onerror=alert(1)>";

type Pt = { x: number; y: number };

/** Screen position of frame pixel `p` on the ROI editor's stage (zoom 1). */
async function onStage(page: Page, p: Pt): Promise<Pt> {
  const svg = page.locator("#stage svg");
  const box = (await svg.boundingBox())!;
  const width = Number(await svg.getAttribute("data-width"));
  const k = box.width / width;
  return { x: box.x + p.x * k, y: box.y + p.y * k };
}

async function drag(page: Page, from: Pt, to: Pt): Promise<void> {
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move(to.x, to.y, { steps: 6 });
  await page.mouse.up();
}

type Roi = { id: string; type: string; module?: string; skip_unchanged?: boolean; points: Pt[] };

async function savedRois(base: string, source: string): Promise<Roi[]> {
  return (await getOkJson<{ rois: Roi[] }>(`${base}/load_roi/${encodeURIComponent(source)}`)).rois;
}

function near(a: Pt[], b: Pt[], tol = 2): boolean {
  return a.length === b.length && a.every((p, i) => Math.hypot(p.x - b[i].x, p.y - b[i].y) <= tol);
}

Deno.test({
  name: "browser UI: dashboard, sources, ROI editor, jobs, MQTT and docs work in Chromium",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    await prepareUi();
    const dataDir = await Deno.makeTempDir({ prefix: "visionroi-ui-" });
    const png = `${dataDir}/panel.png`;
    const shown = await writePanelPng(png, 7);
    const chrome = await launchChromium();
    const server = await startServer(dataDir);
    const problems: string[] = [];
    const dialogs: string[] = [];
    const page = await chrome.browser.newPage({ viewport: { width: 1280, height: 720 } });
    watchPage(page, problems, dialogs);
    const base = server.url;
    try {
      await t.step("home shows the demo job's values updating and plots with points", async () => {
        await openPage(page, `${base}/home`);
        const value = page.locator('section[data-cam="demo"] tr[data-roi="counter"] .value');
        await value.waitFor({ timeout: 20_000 });
        const first = await value.innerText();
        await waitFor(async () => (await value.innerText()) !== first, {
          timeoutMs: 15_000,
          what: "the counter to change",
        });
        await waitFor(
          async () => Number(await page.locator(".chart").first().getAttribute("data-points")) >= 2,
          {
            timeoutMs: 15_000,
            what: "a plot with points",
          },
        );
        assert.ok(await page.locator(".chart canvas").count() >= 2, "uPlot canvases drawn");
        await shot(page, "home");
      });

      await t.step(
        "a source is created from the form; a script-like name shows as text",
        async () => {
          await openPage(page, `${base}/create_source`);
          for (const [name, source] of [["panel", png], [XSS, "demo"]]) {
            await page.fill('form[aria-label="New source"] input[name="name"]', name);
            await page.fill('form[aria-label="New source"] input[name="source"]', source);
            await page.click('form[aria-label="New source"] button[type="submit"]');
            await page.locator(`#sources tr[data-source="${name.replace(/"/g, '\\"')}"]`).waitFor();
          }
          const names = (await getOkJson<{ name: string }[]>(`${base}/source_list`)).map((s) =>
            s.name
          );
          assert.ok(names.includes("panel") && names.includes(XSS), names.join(", "));
          assert.equal(
            await page.locator('img[src="x"]').count(),
            0,
            "the name did not become an img",
          );
          const values = await page.locator("#sources input").evaluateAll((els) =>
            els.map((e) => (e as unknown as { value: string }).value)
          );
          assert.ok(values.includes(XSS), "the name is shown literally");
          await shot(page, "create_source");
        },
      );

      const rect = [{ x: 80, y: 150 }, { x: 600, y: 150 }, { x: 600, y: 280 }, { x: 80, y: 280 }];
      const poly = [{ x: 700, y: 420 }, { x: 830, y: 425 }, { x: 825, y: 550 }, { x: 705, y: 545 }];
      await t.step("ROIs drawn with the mouse are saved in frame pixels", async () => {
        await openPage(page, `${base}/roi?source=panel`);
        await page.locator("#stage svg").waitFor({ timeout: 15_000 });
        await drag(page, await onStage(page, rect[0]), await onStage(page, rect[2]));
        await page.selectOption('select[name="module"]', "digits");
        await page.fill('input[name="name"]', "Temperature");
        await page.press('input[name="name"]', "Enter");
        await page.getByRole("button", { name: "Polygon", exact: true }).click();
        for (const i of [2, 0, 3, 1]) { // any click order is stored as TL, TR, BR, BL
          const p = await onStage(page, poly[i]);
          await page.mouse.click(p.x, p.y);
        }
        const saved = await waitFor(async () => {
          const rois = await savedRois(base, "panel");
          return rois.length === 2 && rois[0].module === "digits" && rois;
        }, { timeoutMs: 10_000, what: "both ROIs saved" });
        assert.ok(near(saved[0].points, rect), JSON.stringify(saved[0].points));
        assert.ok(near(saved[1].points, poly), JSON.stringify(saved[1].points));
        // New ROIs reuse readings of unchanged crops unless the box is cleared.
        assert.deepEqual(saved.map((r) => r.skip_unchanged), [true, true]);
        assert.equal(await page.isChecked('input[name="skip_unchanged"]'), true);
        await page.uncheck('input[name="skip_unchanged"]');
        await waitFor(async () => (await savedRois(base, "panel"))[1].skip_unchanged === false, {
          timeoutMs: 10_000,
          what: "skip_unchanged cleared on the selected ROI",
        });
        await page.getByRole("button", { name: "Page", exact: true }).click();
        await drag(
          page,
          await onStage(page, { x: 20, y: 20 }),
          await onStage(page, { x: 1260, y: 700 }),
        );
        const pageEntry = await waitFor(async () => (await savedRois(base, "panel"))[2], {
          timeoutMs: 10_000,
          what: "the page rectangle saved",
        }) as Roi & { page?: string; image?: string };
        assert.equal(pageEntry.type, "page");
        assert.ok(pageEntry.page && (pageEntry.image?.length ?? 0) > 1000, "template captured");
        await page.getByText("All changes saved.").waitFor();
      });

      await t.step("dragging a corner changes the file; undo brings it back", async () => {
        await page.getByRole("button", { name: "Select", exact: true }).click();
        const inside = await onStage(page, { x: 300, y: 215 });
        await page.mouse.click(inside.x, inside.y);
        const corner = page.locator('circle[data-roi="roi_1"][data-corner="2"]');
        await corner.waitFor();
        const from = await onStage(page, rect[2]);
        await drag(page, from, { x: from.x + 20, y: from.y + 10 });
        const moved = await waitFor(async () => {
          const r = (await savedRois(base, "panel"))[0];
          return r.points[2].x > 610 && r;
        }, { timeoutMs: 10_000, what: "the corner saved" });
        assert.ok(moved.points[2].y > 285, JSON.stringify(moved.points));
        await page.getByRole("button", { name: "Undo" }).click();
        await waitFor(async () => near((await savedRois(base, "panel"))[0].points, rect), {
          timeoutMs: 10_000,
          what: "undo saved",
        });
      });

      await t.step("Test reads the HMI ROI on the current frame", async () => {
        await page.getByRole("button", { name: "Test", exact: true }).click();
        const reading = page.locator('li[data-roi="roi_1"] .read');
        await reading.waitFor({ timeout: 30_000 });
        assert.equal(await reading.innerText(), shown.temperature);
        await shot(page, "roi");
      });

      await t.step("a job started on /inference shows ROI cards, then stops", async () => {
        await openPage(page, `${base}/inference`);
        await page.getByRole("button", { name: "Add job panel" }).click();
        const panel = page.locator('section.job-panel[data-cam^="inf_"]');
        // Preact sets option values as properties, so match the text, not a value attribute.
        await panel.locator('select[name^="source-"] option', { hasText: /^panel$/ }).waitFor({
          state: "attached",
        });
        await panel.locator('select[name^="source-"]').selectOption("panel");
        await panel.getByRole("button", { name: "Start" }).click();
        const card = panel.locator('.roi-card[data-roi="roi_1"] .text');
        await card.waitFor({ timeout: 30_000 });
        await waitFor(async () => (await card.innerText()) === shown.temperature, {
          timeoutMs: 20_000,
          what: "the card's text",
        });
        await panel.locator(".video[src]").waitFor({ timeout: 10_000 });
        await shot(page, "inference");
        const camId = await panel.getAttribute("data-cam");
        await page.reload();
        await page.locator(`section.job-panel[data-cam="${camId}"] .roi-card`).first().waitFor({
          timeout: 20_000,
        });
        await page.locator(`section.job-panel[data-cam="${camId}"]`).getByRole("button", {
          name: "Stop",
        }).click();
        await page.locator(`section.job-panel[data-cam="${camId}"]`).getByRole("button", {
          name: "Start",
        }).waitFor();
        const st = await getOkJson<{ running: boolean }>(`${base}/inference_status/${camId}`);
        assert.equal(st.running, false);
      });

      await t.step("MQTT configs are created and edited from the form", async () => {
        await openPage(page, `${base}/create_mqtt`);
        const form = page.locator('form[aria-label="MQTT config"]');
        await form.locator('input[name="name"]').fill("plant");
        await form.locator('input[name="host"]').fill("127.0.0.1");
        await form.locator('input[name="port"]').fill("1");
        await form.getByRole("button", { name: "Create" }).click();
        const row = page.locator('tr[data-config="plant"]');
        await row.waitFor();
        await row.getByRole("button", { name: "Edit" }).click();
        await form.locator('input[name="base_topic"]').fill("site/a");
        await form.getByRole("button", { name: "Save changes" }).click();
        await row.getByText("site/a").waitFor();
        const list = await getOkJson<{ name: string; base_topic: string }[]>(
          `${base}/mqtt_configs`,
        );
        assert.equal(list.find((c) => c.name === "plant")?.base_topic, "site/a");
        await shot(page, "create_mqtt");
      });

      await t.step("other pages render; phone width has no sideways scrolling", async () => {
        for (const p of ["inference_page", "docs"]) {
          await page.goto(`${base}/${p}`);
          await page.locator("main h1").waitFor();
          await shot(page, p);
        }
        await page.setViewportSize({ width: 390, height: 844 });
        const ready: [string, string][] = [
          ["home", 'section[data-cam="demo"] tr[data-roi]'],
          ["roi?source=panel", "#stage svg"],
          ["inference", "section.job-panel .roi-card"],
          ["create_source", "#sources tr[data-source]"],
        ];
        for (const [p, selector] of ready) {
          await openPage(page, `${base}/${p}`);
          await page.locator(selector).first().waitFor({ timeout: 20_000 });
          const wide = Number(await page.evaluate("document.documentElement.scrollWidth"));
          assert.ok(wide <= 392, `${p} is ${wide} px wide at 390`);
          await shot(page, `phone_${p.replace(/\?.*/, "")}`);
        }
      });

      assert.deepEqual(dialogs.filter((d) => d.startsWith("alert")), [], "no alert ran");
      assert.deepEqual(problems, [], "no console errors");
    } finally {
      await chrome.close();
      server.child.kill("SIGTERM");
      await server.exited();
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});

Deno.test({
  name: "browser UI with --auth required: login, then pages and sockets work; sign out",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await prepareUi();
    const dataDir = await Deno.makeTempDir({ prefix: "visionroi-ui-auth-" });
    const chrome = await launchChromium();
    const server = await startServer(dataDir, ["--auth", "required"]);
    const problems: string[] = [];
    const page = await chrome.browser.newPage({ viewport: { width: 1280, height: 720 } });
    watchPage(page, problems, []);
    try {
      const token = (await Deno.readTextFile(`${dataDir}/${TOKEN_FILE}`)).trim();
      await page.goto(`${server.url}/home`);
      assert.match(new URL(page.url()).pathname, /^\/login$/);
      await shot(page, "login");
      await page.fill('input[name="token"]', token);
      await page.click('button[type="submit"]');
      await page.waitForURL(/\/home$/);
      const value = page.locator('section[data-cam="demo"] tr[data-roi="temperature"] .value');
      await value.waitFor({ timeout: 20_000 }); // results arrive over the WebSocket
      await page.locator('section[data-cam="demo"] .badge', { hasText: "open" }).first().waitFor();
      await page.getByRole("button", { name: "Sign out" }).click();
      await page.waitForURL(/\/login$/);
      assert.deepEqual(problems, [], "no console errors");
    } finally {
      await chrome.close();
      server.child.kill("SIGTERM");
      await server.exited();
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});
