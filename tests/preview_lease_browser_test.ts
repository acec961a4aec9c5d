/**
 * The ROI editor holds its preview's lease while its page lives (its socket, and a heartbeat every
 * 15 s); a browser killed with SIGKILL (no pagehide, no stop request) leaves a stream that stops
 * after the lease time, with its ffmpeg.
 */
import assert from "node:assert/strict";
import { startServer } from "./helpers/server.ts";
import { launchChromium, watchPage } from "./helpers/browser.ts";
import { createSource, post } from "./helpers/http.ts";
import { ffmpegPidsWith, makeClip } from "./helpers/media.ts";
import { waitFor } from "./helpers/wait.ts";
import { buildUi, uiIsStale } from "../scripts/build_ui.ts";

/** Chromium processes this test process started (its direct children). */
function chromiumChildren(): number[] {
  const pids: number[] = [];
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${e.name}/stat`);
      const m = /^\d+ \((.*)\) \S (\d+)/.exec(stat);
      if (m && /chrom/i.test(m[1]) && Number(m[2]) === Deno.pid) pids.push(Number(e.name));
    } catch {
      continue; // the process ended while we looked
    }
  }
  return pids;
}

async function status(base: string, camId: string) {
  return await (await fetch(`${base}/roi_stream_status/${camId}`)).json();
}

Deno.test({
  name:
    "a killed browser's ROI editor preview stops after the lease; while open, its page holds it",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    if (await uiIsStale()) await buildUi();
    const dir = await Deno.makeTempDir({ prefix: "visionroi-lease-" });
    const clip = await makeClip(dir, { seconds: 3, name: "lease-browser.mp4" });
    const probe = await makeClip(dir, { seconds: 3, name: "lease-probe.mp4" });
    const server = await startServer(`${dir}/data`, ["--no-demo", "--preview-lease", "3"]);
    const chrome = await launchChromium();
    const problems: string[] = [];
    try {
      await createSource(server.url, "line", clip);
      const page = await chrome.browser.newPage();
      watchPage(page, problems, []);
      await page.clock.install(); // the page's timers move when the test says
      await page.goto(`${server.url}/roi?source=line`);
      await page.locator("#stage svg").waitFor({ timeout: 20_000 });
      const sid = await page.evaluate(() => sessionStorage.getItem("visionroi.roi_stream"));
      assert.match(String(sid), /^roi_[0-9a-f]{8}$/);
      const held = await waitFor(async () => {
        const s = await status(server.url, sid!);
        return s.running && s.lease?.holders >= 1 ? s : undefined;
      }, { what: "the page's socket holding the lease", timeoutMs: 20_000 });
      assert.equal(held.lease.expires_at, null);
      const beat = page.waitForRequest(/\/roi_stream_heartbeat\//, { timeout: 20_000 });
      await page.clock.fastForward(15_000);
      const answer = await (await beat).response();
      assert.equal(answer?.status(), 200);
      assert.equal((await answer!.json()).cam_id, sid, "the page renews its own lease");

      // An unheld preview started after the page's: it runs out first, the page's does not.
      assert.equal(
        (await post(`${server.url}/start_roi_stream/roi_probe`, { source: probe })).json.status,
        "started",
      );
      await waitFor(async () => !(await status(server.url, "roi_probe")).running, {
        what: "the unheld probe stopped",
        timeoutMs: 30_000,
      });
      assert.equal((await status(server.url, sid!)).running, true, "the open page holds its own");

      const pids = chromiumChildren();
      assert.ok(pids.length > 0, "chromium runs under this test");
      for (const pid of pids) Deno.kill(pid, "SIGKILL");
      await waitFor(async () => !(await status(server.url, sid!)).running, {
        what: "the killed browser's preview stopped",
        timeoutMs: 30_000,
      });
      await waitFor(() => ffmpegPidsWith(clip).length === 0, { what: "its ffmpeg ended" });
      // The stop is written to service_state.json right after the preview ends: wait for it.
      const savedCameras = async () =>
        JSON.parse(await Deno.readTextFile(`${dir}/data/service_state.json`)).cameras;
      await waitFor(async () => !(sid! in await savedCameras()), {
        what: "the stopped preview gone from service_state.json (not restored after a restart)",
        timeoutMs: 10_000,
      });
      assert.deepEqual(problems, []);
    } finally {
      await chrome.close().catch(() => {});
      await server.kill9();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
