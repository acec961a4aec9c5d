/** Home-page card of one running job: rates, modules, a live thumbnail, its ROI values and plots. */
import { useStore } from "../stores/use_store.ts";
import { resultsStore } from "../stores/results.ts";
import { useNow } from "../stores/use_now.ts";
import type { DashCamera } from "../stores/dashboard.ts";
import { StatusBadge } from "./StatusBadge.tsx";
import { TimeChart } from "./TimeChart.tsx";
import { cameraProblem, jobProblem, NoPicture, Problem, sourceActions } from "./Problem.tsx";
import { cameraWords } from "../stores/camera_state.ts";
import { useState } from "preact/hooks";

/** Staleness class of a value `age` seconds old on a job reading every `interval` seconds. */
export function staleness(age: number, interval: number): "" | "stale" | "very-stale" {
  const base = Math.max(interval, 1);
  if (age > 6 * base || age > 300) return "very-stale";
  if (age > 3 * base) return "stale";
  return "";
}

const fmt = (
  x: number | null | undefined,
  d = 2,
) => (x === null || x === undefined ? "–" : x.toFixed(d));

/** One camera's card. */
export function CameraCard({ cam }: { cam: DashCamera }) {
  const live = useStore(resultsStore(cam.cam_id));
  const now = useNow();
  const latest = live.latest;
  const entries = latest?.results ?? [];
  const numeric = Object.keys(live.values.columns).sort();
  const [thumbFailed, setThumbFailed] = useState<string | null>(null);
  const camLive = cam.camera_status === "live";
  const problem = cameraProblem({
    status: cam.camera_status,
    error: cam.camera_error,
    lastFrame: cam.camera_last_frame,
  }) ?? jobProblem(cam.job_state ?? undefined);
  const words = cameraWords(cam.camera_status, cam.camera_error, cam.camera_last_frame);
  const thumbUrl = cam.snapshot_url && camLive ? cam.snapshot_url : null;
  return (
    <section class="card" data-cam={cam.cam_id}>
      <div class="spread">
        <h2>
          <a href={`/inference?cam_id=${encodeURIComponent(cam.cam_id)}`}>
            {cam.source || cam.cam_id}
          </a>
          <span class="muted small">· {cam.cam_id}</span>
        </h2>
        <StatusBadge state={cam.camera_status} title={cam.camera_error} />
      </div>
      {problem && (
        <Problem
          problem={problem}
          actions={[
            ...sourceActions(cam.source),
            { label: "Open job", href: `/inference?cam_id=${encodeURIComponent(cam.cam_id)}` },
          ]}
        />
      )}
      <div class="row small muted">
        <span>fps {fmt(cam.actual_fps)} / {fmt(cam.target_fps)}</span>
        <span>latency {latest ? `${(latest.frame_duration * 1000).toFixed(0)} ms` : "–"}</span>
        <span>skipped {cam.ticks_skipped}</span>
        <span>group {cam.group ?? "auto"}</span>
        <StatusBadge state={live.state} title={live.detail} />
      </div>
      <div class="row" style="margin:.4rem 0">
        {cam.modules.map((m) => <span class="badge info" key={m}>{m}</span>)}
      </div>
      <div class="cam-top">
        {thumbUrl && thumbFailed !== thumbUrl
          ? (
            <img
              class="thumb"
              src={thumbUrl}
              alt={`${cam.source} live`}
              onError={() => setThumbFailed(thumbUrl)}
            />
          )
          : <NoPicture words={camLive ? "no frame yet" : words} />}
        <div class="table-wrap" hidden={entries.length === 0}>
          <table class="roi-values">
            <thead>
              <tr>
                <th>ROI</th>
                <th>Value</th>
                <th>ms</th>
                <th>Age</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((e) => {
                const age = now - e.result_time;
                return (
                  <tr key={e.id} class={staleness(age, cam.interval)} data-roi={e.id}>
                    <td>
                      {e.name || e.id}
                      <div class="muted small">{e.module}</div>
                    </td>
                    <td class="mono value">{e.error ? `error: ${e.error}` : e.text}</td>
                    <td>{(e.duration * 1000).toFixed(0)}</td>
                    <td>{age < 0 ? "0" : age.toFixed(0)} s</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      </div>
      {entries.length === 0 && (
        <p class="muted small">
          {camLive ? "Waiting for results…" : `No results: camera ${words}.`}
        </p>
      )}
      <div class="charts">
        {numeric.map((k) => (
          <div key={k}>
            <h3 class="small">{k}</h3>
            <TimeChart series={live.values} keys={[k]} height={110} label={`${k} over time`} />
          </div>
        ))}
        {live.latency.times.length > 0 && (
          <div>
            <h3 class="small">Read latency per module (ms)</h3>
            <TimeChart series={live.latency} height={110} unit="ms" label="latency per module" />
          </div>
        )}
      </div>
    </section>
  );
}
