/**
 * A crashed job is rebuilt from the desired state as it is now: after a reconfigure (or a ROI save)
 * the supervisor's restart gets the new config, not the one the job was first started with.
 */
import assert from "node:assert/strict";
import { testApp } from "./helpers/app.ts";
import { call } from "./helpers/http.ts";
import { panelRois, writePanelPng } from "./helpers/panel.ts";
import { waitFor } from "./helpers/wait.ts";
import type { InferenceJobActor } from "../actors/jobs/inference_job_actor.ts";
import type { FrameResult } from "../actors/jobs/result_bus.ts";

const T = { sanitizeResources: false, sanitizeOps: false };

/** Crashes a job the way a failed frame read does: through its own `frame_read` message. */
async function crash(actor: InferenceJobActor): Promise<void> {
  await actor.send({ type: "frame_read", run: 0, error: new Error("test crash") });
  const exit = await actor.exited;
  assert.equal(exit.reason, "error");
}

Deno.test({
  ...T,
  name: "reconfigure, then crash the job actor: it restarts with the new ROIs and interval",
  fn: async () => {
    const t = await testApp();
    try {
      await writePanelPng(`${t.outside}/panel.png`, 0);
      await t.system.state.createSource({ name: "panel", source: `${t.outside}/panel.png` });
      const rois = panelRois();
      const pick = (...ids: string[]) => rois.filter((r) => ids.includes(r.id));
      const start = await call(t.app, "POST", "/start_inference/j", {
        name: "panel",
        group: "all",
        interval: 1,
        rois: pick("temperature"),
      });
      assert.deepEqual(start.json, { status: "started", cam_id: "j" });
      const again = await call(t.app, "POST", "/start_inference/j", {
        rois: pick("pressure", "counter"),
        interval: 0.5,
      });
      assert.deepEqual(again.json, { status: "already_running", cam_id: "j" });
      const jobs = t.system.jobs;
      const before = jobs.supervisor.instance("job:j")!;
      await waitFor(() => before.config().interval === 0.5, { what: "the reconfigure applied" });

      await crash(before);
      const after = await waitFor(() => {
        const i = jobs.supervisor.instance("job:j");
        return i && i !== before && i;
      }, { timeoutMs: 15_000, what: "the restarted job" });
      assert.equal(jobs.supervisor.status("job:j")?.restarts, 1);
      assert.deepEqual(after.config().rois.map((r) => r.id), ["pressure", "counter"]);
      assert.equal(after.config().interval, 0.5);
      const sub = t.system.bus.subscribe("j");
      const result = await waitFor(async () => {
        const m = await sub.next();
        return m?.kind === "result" && m.result;
      }, { timeoutMs: 15_000, what: "a result of the restarted job" }) as FrameResult;
      assert.deepEqual(result.results.map((r) => r.id), ["counter", "pressure"]);
      sub.close();

      // A job that follows its source: ROIs saved meanwhile are what a restart reads.
      const follow = await call(t.app, "POST", "/start_inference/f", {
        name: "panel",
        group: "all",
      });
      assert.deepEqual(follow.json, { status: "started", cam_id: "f" });
      await call(t.app, "POST", "/save_roi", { source: "panel", rois: pick("counter") });
      const first = jobs.supervisor.instance("job:f")!;
      await crash(first);
      const second = await waitFor(() => {
        const i = jobs.supervisor.instance("job:f");
        return i && i !== first && i;
      }, { timeoutMs: 15_000, what: "the restarted follower" });
      assert.deepEqual(second.config().rois.map((r) => r.id), ["counter"]);
      assert.equal(jobs.state("f"), jobs.snapshot("f")?.status);
    } finally {
      await t.close();
    }
  },
});
