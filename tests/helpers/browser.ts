/**
 * Headless Chromium (Debian's `/usr/bin/chromium`) driven by playwright-core, for browser tests.
 * A missing Chromium is an error, never a skip: CI installs it (`.ci/run`).
 */
import assert from "node:assert/strict";
import { type Browser, chromium, type Page } from "playwright-core";
import { buildUi, uiIsStale } from "../../scripts/build_ui.ts";

/** Where Chromium is expected (override with `CHROMIUM_PATH`). */
export const CHROMIUM = Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium";

/**
 * Launches Chromium (playwright gives every launch a fresh temporary profile, the
 * `--user-data-dir` of the issue); throws naming the path when it is not installed.
 */
export async function launchChromium(): Promise<{ browser: Browser; close(): Promise<void> }> {
  try {
    await Deno.stat(CHROMIUM);
  } catch (err) {
    throw new Error(
      `browser tests need Chromium at ${CHROMIUM} (apt-get install chromium): ${
        (err as Error).message
      }`,
    );
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-dev-shm-usage",
    ],
  });
  return {
    browser,
    async close() {
      await browser.close();
    },
  };
}

/** Console errors, uncaught exceptions and dialogs (alert/confirm) of a page, as lines. */
export function watchPage(page: Page, problems: string[], dialogs: string[]): void {
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console error on ${page.url()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`uncaught on ${page.url()}: ${e.message}`));
  page.on("dialog", (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`);
    void d.accept();
  });
}

/** Where browser tests put screenshots: tests/screenshots/ (override with `VISIONROI_SCREENSHOTS`). */
export const SHOTS = Deno.env.get("VISIONROI_SCREENSHOTS") ??
  new URL("../screenshots/", import.meta.url).pathname;

/** Builds the UI bundle when it is stale and makes the screenshot folder. */
export async function prepareUi(): Promise<void> {
  if (await uiIsStale()) await buildUi();
  await Deno.mkdir(SHOTS, { recursive: true });
}

/**
 * Saves `<SHOTS>/<name>.png`: the full page unless `fullPage: false`; `top: true` scrolls to the
 * top first (scrolled, a sticky top bar would be drawn across the middle of a full-page shot).
 */
export async function shot(
  page: Page,
  name: string,
  opts: { fullPage?: boolean; top?: boolean } = {},
): Promise<void> {
  if (opts.top) await page.evaluate("window.scrollTo(0, 0)");
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: opts.fullPage ?? true });
}

/** Opens a UI page and waits until its island is hydrated (clicks before that do nothing). */
export async function openPage(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.locator("[data-island][data-hydrated]").first().waitFor({ timeout: 20_000 });
}

/** GETs `url`, asserts a 200 and returns the JSON body. */
export async function getOkJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  assert.equal(res.status, 200, `${url}: ${res.status}`);
  return await res.json() as T;
}
