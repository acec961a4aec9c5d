/**
 * `/history` and `/create_mqtt` in real headless Chromium against a real server process (the demo
 * job running) and a real mosquitto with a mutual-TLS listener: charts per numeric ROI with zoom
 * and pan, a CSV download whose rows are the API's and the table's, one point on a one-minute
 * axis, the legend's words; an MQTT config with HA discovery and TLS files saved from the form,
 * "Test connection" that leaves the live availability topic alone, and a config assigned to every
 * ROI of a source whose results then arrive over TLS. Screenshots go to tests/screenshots/.
 */
import assert from "node:assert/strict";
import { copyFile, mkdir } from "node:fs/promises";
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
import { startBroker } from "./helpers/mosquitto.ts";
import { listen } from "./helpers/mqtt_listener.ts";
import { waitFor } from "./helpers/wait.ts";

type Row = { time: number; roi_id: string; text: string; value: number | null; source: string };

/** The x range a chart shows (its `data-xmin`/`data-xmax`). */
async function xRangeOf(page: Page, sel: string): Promise<[number, number]> {
  const el = page.locator(sel);
  return [Number(await el.getAttribute("data-xmin")), Number(await el.getAttribute("data-xmax"))];
}

async function dragOver(page: Page, sel: string, from: number, to: number, shift = false) {
  const box = (await page.locator(`${sel} .u-over`).boundingBox())!;
  const y = box.y + box.height / 2;
  if (shift) await page.keyboard.down("Shift");
  await page.mouse.move(box.x + box.width * from, y);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * to, y, { steps: 8 });
  await page.mouse.up();
  if (shift) await page.keyboard.up("Shift");
}

Deno.test({
  name: "browser UI: results history and the complete MQTT page work in Chromium",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    await prepareUi();
    const broker = await startBroker({ tls: true });
    const dataDir = await Deno.makeTempDir({ prefix: "visionroi-ui-hist-" });
    await mkdir(`${dataDir}/certs/client`, { recursive: true });
    await copyFile(`${broker.dir}/ca.pem`, `${dataDir}/certs/ca.pem`);
    await copyFile(`${broker.dir}/client.pem`, `${dataDir}/certs/client/cert.pem`);
    await copyFile(`${broker.dir}/client.key`, `${dataDir}/certs/client/key.pem`);
    const chrome = await launchChromium();
    const server = await startServer(dataDir);
    const sub = await listen(broker.url, ["plant/#", "ha_test/#"], { clientId: "watcher" });
    const problems: string[] = [];
    const dialogs: string[] = [];
    const page = await chrome.browser.newPage({ viewport: { width: 1280, height: 720 } });
    watchPage(page, problems, dialogs);
    const base = server.url;
    try {
      await t.step(
        "history: a chart per numeric ROI, rows, and a CSV of the same rows",
        async () => {
          await waitFor(async () => {
            const r = await getOkJson<{ rows: Row[] }>(`${base}/api/results?source=demo`);
            return new Set(r.rows.map((x) => x.time)).size >= 3;
          }, { timeoutMs: 30_000, what: "three demo frames in the history" });
          await openPage(page, `${base}/history?source=demo`);
          await page.locator("#history-rows tbody tr").first().waitFor({ timeout: 10_000 });
          const csvHref = (await page.locator("#history-csv").getAttribute("href"))!;
          assert.match(
            csvHref,
            /^\/api\/results\?source=demo&from=\d+&to=\d+&max_id=\d+&order=desc/,
          );
          const api = await getOkJson<{ count: number; rows: Row[] }>(
            `${base}${csvHref.replace("format=csv", "format=json")}`,
          );
          assert.ok(api.count >= 12, `${api.count} rows`);
          const numeric = new Set(api.rows.filter((r) => r.value !== null).map((r) => r.roi_id));
          assert.equal(await page.locator("[data-chart]").count(), numeric.size);
          for (const id of numeric) {
            const chart = page.locator(`[data-chart="demo/${id}"] .chart`);
            const points = api.rows.filter((r) => r.roi_id === id).length;
            assert.equal(Number(await chart.getAttribute("data-points")), points, id);
          }
          assert.match(
            await page.locator("#history-summary").innerText(),
            new RegExp(`^${api.count} readings`),
          );
          // The table's first page is the API's newest rows, in its order.
          const shown = await page.locator("#history-rows tbody tr").evaluateAll((trs) =>
            trs.map((tr) => [tr.getAttribute("data-roi"), tr.children[3].textContent])
          );
          assert.deepEqual(shown, api.rows.slice(0, 50).map((r) => [r.roi_id, r.text]));

          const [download] = await Promise.all([
            page.waitForEvent("download"),
            page.click("#history-csv"),
          ]);
          assert.equal(download.suggestedFilename(), "results.csv");
          const csv = await Deno.readTextFile((await download.path())!);
          const lines = csv.trim().split("\n");
          const head = lines[0].split(",");
          assert.ok(
            lines[0].startsWith("time,iso_time,cam_id,source,roi_id,name,module,text,value"),
          );
          const [time, roi, text] = ["time", "roi_id", "text"].map((c) => head.indexOf(c));
          assert.deepEqual(
            lines.slice(1).map((l) => l.split(",")).map((f) => [Number(f[time]), f[roi], f[text]]),
            api.rows.map((r) => [r.time, r.roi_id, r.text]),
            "the download holds exactly the rows shown",
          );
          await shot(page, "history", { top: true });
        },
      );

      await t.step(
        "history: drag zooms, Shift+drag pans, double-click shows everything",
        async () => {
          const sel = '[data-chart="demo/counter"] .chart';
          const [min0, max0] = await xRangeOf(page, sel);
          await dragOver(page, sel, 0.3, 0.7);
          const [min1, max1] = await waitFor(async () => {
            const r = await xRangeOf(page, sel);
            return r[1] - r[0] < (max0 - min0) * 0.6 && r;
          }, { what: "a zoomed-in x range" });
          const other = '[data-chart="demo/pressure"] .chart';
          assert.deepEqual(await xRangeOf(page, other), [min1, max1], "the other charts follow");
          await dragOver(page, sel, 0.7, 0.3, true);
          const [min2, max2] = await waitFor(async () => {
            const r = await xRangeOf(page, sel);
            return r[0] > min1 + 0.1 && r;
          }, { what: "the range panned to later times" });
          assert.ok(Math.abs((max2 - min2) - (max1 - min1)) < 0.01, "panning keeps the width");
          await page.locator(`${sel} .u-over`).dblclick();
          await waitFor(async () => {
            const r = await xRangeOf(page, sel);
            return Math.abs(r[0] - min0) < 0.01 && Math.abs(r[1] - max0) < 0.01;
          }, { what: "the whole range again" });
        },
      );

      await t.step("history: picking ROIs narrows charts, rows and the download", async () => {
        await page.locator('input[name="roi"][value="pump_lamp"]').uncheck();
        await page.locator('input[name="roi"][value="counter"]').uncheck();
        await waitFor(async () => (await page.locator("[data-chart]").count()) === 2, {
          what: "two charts",
        });
        assert.match(page.url(), /roi=pressure&roi=temperature|roi=temperature&roi=pressure/);
        const href = (await page.locator("#history-csv").getAttribute("href"))!;
        assert.match(href, /roi=/);
        const rows = await page.locator("#history-rows tbody tr").evaluateAll((trs) =>
          trs.map((tr) => tr.getAttribute("data-roi"))
        );
        assert.ok(rows.every((r) => r === "pressure" || r === "temperature"), rows.join());
        await page.selectOption('select[name="range"]', "day");
        await waitFor(() => page.url().includes("range=day"), { what: "range=day in the URL" });
      });

      await t.step("history: one frame shows a one-minute axis, not years", async () => {
        const newest = (await getOkJson<{ rows: Row[] }>(
          `${base}/api/results?source=demo&order=desc&limit=1`,
        )).rows[0];
        await openPage(
          page,
          `${base}/history?source=demo&range=custom&from=${newest.time}&to=${newest.time}`,
        );
        await page.locator("[data-chart] .chart[data-xmin]").first().waitFor({ timeout: 10_000 });
        for (const chart of await page.locator("[data-chart] .chart").all()) {
          assert.equal(await chart.getAttribute("data-points"), "1");
          const min = Number(await chart.getAttribute("data-xmin"));
          const max = Number(await chart.getAttribute("data-xmax"));
          assert.ok(max - min <= 61.001, `x axis spans ${max - min} s`);
          assert.ok(newest.time >= min && newest.time <= max, "the point is on the axis");
        }
        await shot(page, "history-one-point", { top: true });
      });

      await t.step("history at phone width scrolls its table, not the page", async () => {
        const phone = await chrome.browser.newPage({ viewport: { width: 390, height: 844 } });
        watchPage(phone, problems, dialogs);
        await openPage(phone, `${base}/history?source=demo`);
        await phone.locator("#history-rows tbody tr").first().waitFor({ timeout: 10_000 });
        const widths = {
          page: Number(await phone.evaluate("document.documentElement.scrollWidth")),
          view: Number(await phone.evaluate("document.documentElement.clientWidth")),
        };
        assert.ok(widths.page <= widths.view, `page ${widths.page} px wide in ${widths.view}`);
        await shot(phone, "history-phone", { top: true });
        await phone.close();
      });

      await t.step("plot legends show the newest values in words, never `--`", async () => {
        await openPage(page, `${base}/home`);
        const legend = page.locator(".chart .u-legend").first();
        await legend.waitFor({ timeout: 20_000 });
        await waitFor(async () => /newest/.test(await legend.innerText()), {
          timeoutMs: 15_000,
          what: "a legend with the newest time",
        });
        const text = await legend.innerText();
        assert.doesNotMatch(text, /--/, text);
        assert.doesNotMatch(text, /TIME/, "not shouted in capitals");
      });

      await t.step(
        "MQTT: a config with HA discovery and TLS files is saved from the form",
        async () => {
          await openPage(page, `${base}/create_mqtt`);
          const f = 'form[aria-label="MQTT config"]';
          await page.fill(`${f} input[name="name"]`, "ha");
          await page.fill(`${f} input[name="host"]`, "127.0.0.1");
          await page.fill(`${f} input[name="port"]`, String(broker.mtlsPort));
          await page.fill(`${f} input[name="base_topic"]`, "plant");
          await page.fill(`${f} input[name="client_id"]`, "plant_live");
          await page.fill(`${f} input[name="publish_timeout"]`, "2.5");
          await page.fill(`${f} input[name="outbox_size"]`, "500");
          await page.check(`${f} input[name="ha_discovery"]`);
          await page.fill(`${f} input[name="ha_prefix"]`, "ha_test");
          await page.uncheck(`${f} input[name="control"]`);
          await page.check(`${f} input[name="tls"]`);
          await page.selectOption(`${f} select[name="tls_ca_file"]`, "certs/ca.pem");
          await page.selectOption(`${f} select[name="tls_cert_file"]`, "certs/client/cert.pem");
          await page.selectOption(`${f} select[name="tls_key_file"]`, "certs/client/key.pem");
          await page.check(`${f} input[name="tls_insecure"]`);
          assert.match(await page.locator(`${f} .notice.error`).innerText(), /pose as the broker/);
          await shot(page, "mqtt-form", { top: true });
          await page.uncheck(`${f} input[name="tls_insecure"]`);
          assert.equal(await page.locator(`${f} .notice.error`).count(), 0);
          // The settings as typed reach the mutual-TLS listener before anything is saved.
          await page.click(`${f} button:has-text("Test these settings")`);
          await page.locator(`${f} .notice.ok`, { hasText: "accepted these settings" })
            .waitFor({ timeout: 15_000 });
          assert.deepEqual(
            await getOkJson(`${base}/mqtt_configs`),
            [],
            "nothing saved by the test",
          );
          await page.click(`${f} button[type="submit"]`);
          await page.locator('#mqtt-configs tr[data-config="ha"]').waitFor();
          const saved = (await getOkJson<Record<string, unknown>[]>(`${base}/mqtt_configs`))[0];
          assert.deepEqual(
            [
              saved.ha_discovery,
              saved.ha_prefix,
              saved.control,
              saved.tls,
              saved.tls_ca_file,
              saved.tls_cert_file,
              saved.tls_key_file,
              saved.tls_insecure,
              saved.publish_timeout,
              saved.outbox_size,
            ],
            [
              true,
              "ha_test",
              false,
              true,
              "certs/ca.pem",
              "certs/client/cert.pem",
              "certs/client/key.pem",
              false,
              2.5,
              500,
            ],
          );
          // Connected over mutual TLS with the chosen files.
          await page.locator('#mqtt-configs tr[data-config="ha"]').getByText("connected")
            .waitFor({ timeout: 15_000 });
          await page.click('#mqtt-configs tr[data-config="ha"] button:has-text("Edit")');
          assert.equal(await page.inputValue(`${f} input[name="ha_prefix"]`), "ha_test");
          assert.equal(
            await page.inputValue(`${f} select[name="tls_cert_file"]`),
            "certs/client/cert.pem",
          );
          assert.equal(await page.isChecked(`${f} input[name="control"]`), false);
          await page.click(`${f} button:has-text("Cancel")`);
        },
      );

      await t.step("MQTT: Test connection leaves the live availability topic alone", async () => {
        await sub.until((m) => m.some((x) => x.topic === "plant/status"), "online announced");
        await page.click('#mqtt-configs tr[data-config="ha"] button:has-text("Test connection")');
        const note = page.locator('#mqtt-list p.notice[role="status"]', {
          hasText: "test connection",
        });
        await note.waitFor({ timeout: 15_000 });
        assert.match(await note.innerText(), /ha: mqtts:\/\/127\.0\.0\.1:\d+ accepted/);
        await sub.client.publishAsync("plant/marker", "after the test", { qos: 1 });
        await sub.until((m) => m.some((x) => x.topic === "plant/marker"), "the marker");
        assert.deepEqual(sub.on("plant/status").map((x) => x.payload), ["online"]);
      });

      await t.step("MQTT: one click assigns the config to every ROI of a source", async () => {
        const card = page.locator("#mqtt-assign");
        await card.locator('select[name="config"]').selectOption("ha");
        await card.locator('select[name="source"]').selectOption("demo");
        await card.locator('button:has-text("Assign")').click();
        await page.locator("p.notice", { hasText: 'Assigned "ha" to' }).waitFor();
        const rois = (await getOkJson<{ rois: { type: string; mqtt_config?: string }[] }>(
          `${base}/load_roi/demo`,
        )).rois.filter((r) => r.type === "roi");
        assert.ok(rois.length >= 4 && rois.every((r) => r.mqtt_config === "ha"));
        // The running demo job publishes with it (over mutual TLS), discovery included.
        await sub.until(
          (m) => m.some((x) => x.topic.startsWith("plant/demo/")),
          "a demo result on plant/demo/…",
          30_000,
        );
        await sub.until(
          (m) => m.some((x) => x.topic.startsWith("ha_test/") && x.topic.endsWith("/config")),
          "a discovery config under ha_test/",
          30_000,
        );
        await shot(page, "mqtt", { top: true });
      });

      await t.step("MQTT at phone width scrolls its table, not the page", async () => {
        const phone = await chrome.browser.newPage({ viewport: { width: 390, height: 844 } });
        watchPage(phone, problems, dialogs);
        await openPage(phone, `${base}/create_mqtt`);
        await phone.locator('#mqtt-configs tr[data-config="ha"]').waitFor({ timeout: 10_000 });
        const wide = Number(await phone.evaluate("document.documentElement.scrollWidth"));
        assert.ok(wide <= 390, `the page is ${wide} px wide at 390`);
        await shot(phone, "mqtt-phone", { top: true });
        await phone.close();
      });

      assert.deepEqual(problems, [], problems.join("\n"));
      assert.deepEqual(dialogs, []);
    } finally {
      await sub.close();
      await chrome.close();
      server.child.kill("SIGTERM");
      await server.exited();
      await broker.close();
      await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    }
  },
});
