/**
 * Headless Chromium (Debian's `/usr/bin/chromium`) driven by playwright-core, for browser tests.
 * A missing Chromium is an error, never a skip: CI installs it (`.ci/run`).
 */
import { type Browser, chromium, type Page } from "playwright-core";

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
