/**
 * `/api/dashboard` carries the fields VisionROI's Home page draws (§2.8): after a job and a page
 * job ran, `source_runs`, `source_details`, `module_performance`, per-module fastest/slowest/types,
 * alert times and counts, and page job titles are filled.
 */
import assert from "node:assert/strict";
import { createSource, type Json, post } from "./helpers/http.ts";
import { startServer } from "./helpers/server.ts";
import { panelRois, writePanelPng } from "./helpers/panel.ts";
import { waitFor } from "./helpers/wait.ts";

Deno.test({
  name:
    "dashboard: source_runs, source_details, module_performance and alert times filled after a job runs",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    await writePanelPng(`${dir}/panel.png`, 0);
    const server = await startServer(`${dir}/data`, ["--no-demo", "--workers", "1"]);
    try {
      await createSource(server.url, "panel", `${dir}/panel.png`);
      const rois = panelRois();
      assert.equal((await post(`${server.url}/save_roi`, { source: "panel", rois })).status, 200);
      for (const camId of ["inf_cam1", "page_cam1"]) {
        const start = await post(`${server.url}/start_inference/${camId}`, {
          name: "panel",
          group: "all",
          interval: 0.2,
        });
        assert.equal(start.json.status, "started");
      }
      const dash = await waitFor(async () => {
        const d = await (await fetch(`${server.url}/api/dashboard`)).json();
        const runs = d.roi_metrics.source_runs as Json[];
        return runs.length === 2 && d.alerts.length >= 4 ? d : undefined;
      }, { timeoutMs: 30_000, what: "results of both jobs on the dashboard" });

      const metrics = dash.roi_metrics;
      const run = metrics.source_runs.find((r: Json) => r.cam_id === "inf_cam1");
      assert.equal(run.display_name, "panel");
      assert.equal(run.source, "panel");
      assert.equal(run.roi_count, rois.length, "every ROI of the frame counts");
      assert.deepEqual(run.modules.sort(), [...new Set(rois.map((r) => r.module))].sort());
      assert.equal(typeof run.timestamp, "string");
      assert.ok(Date.parse(run.timestamp) > 0);
      assert.equal(typeof run.frame_duration, "number");
      assert.ok(run.latency_samples >= 1);
      assert.equal(run.interval, 0.2);
      assert.ok(run.fastest.duration <= run.slowest.duration);
      assert.ok(run.timestamp_epoch >= metrics.source_runs.at(-1).timestamp_epoch, "newest first");

      const detail = metrics.source_details.find((r: Json) => r.cam_id === "inf_cam1");
      assert.equal(detail.display_name, "panel");
      assert.equal(detail.roi_count, rois.length);
      assert.equal(detail.inference_running, true);
      assert.ok(detail.samples >= 1);
      assert.equal(typeof detail.latest_duration, "number");
      assert.equal(detail.meets_interval, detail.latest_duration <= 0.2);
      assert.equal(typeof detail.latest_completed_at, "string");

      const mod = metrics.module_details[0];
      assert.deepEqual(mod.types, ["roi"]);
      assert.ok(mod.fastest_duration <= mod.slowest_duration);
      for (const k of ["fastest", "slowest", "latest"]) {
        for (const f of ["duration", "timestamp", "roi_id", "roi_name", "cam_id", "source"]) {
          assert.notEqual(mod[`${k}_${f}`], null, `${k}_${f}`);
        }
      }
      assert.ok(metrics.module_performance.fastest.name);
      assert.ok(metrics.module_performance.slowest.name);
      assert.ok(
        metrics.module_performance.fastest.average_duration <=
          metrics.module_performance.slowest.average_duration,
      );
      assert.equal(metrics.module_performance.latest_frame.source, "panel");

      const alert = dash.alerts[0];
      assert.equal(typeof alert.timestamp, "string");
      assert.ok(Math.abs(Date.parse(alert.timestamp) / 1000 - alert.timestamp_epoch) < 0.002);
      assert.equal(alert.count, alert.results.length);
      assert.equal(alert.count, rois.length);

      assert.equal(dash.page_jobs.length, 1);
      assert.equal(dash.page_jobs[0].title, "panel");
      assert.equal(dash.page_jobs[0].cam_id, "page_cam1");
    } finally {
      await server.kill9();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
