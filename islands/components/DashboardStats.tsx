/** The dashboard's totals: streams, jobs, groups, ROIs, results, latency, workers. */
import type { Dashboard } from "../stores/dashboard.ts";

function Stat(
  { value, label, tone }: { value: string | number; label: string; tone?: string },
) {
  return (
    <div class={tone ? `stat ${tone}` : "stat"}>
      <b>{value}</b>
      <span>{label}</span>
    </div>
  );
}

/** Seconds as "123 ms"; "–" before the first read (not "0 ms"). */
const ms = (seconds: number, samples: number) =>
  samples > 0 ? `${(seconds * 1000).toFixed(0)} ms` : "–";

/** The row of totals. */
export function DashboardStats({ data }: { data: Dashboard }) {
  const s = data.summary;
  return (
    <div class="stats">
      {/* Only live cameras count as online; failed, retrying and stalled ones are counted apart. */}
      <Stat value={`${s.online_cameras} / ${s.total_cameras}`} label="streams live" />
      {s.failed_cameras > 0 && (
        <Stat
          value={s.failed_cameras}
          label={s.failed_cameras === 1 ? "stream without picture" : "streams without picture"}
          tone="bad"
        />
      )}
      <Stat value={s.inference_running} label="jobs running" />
      <Stat value={`${s.running_groups} / ${s.total_groups}`} label="groups running" />
      <Stat value={s.total_roi} label="ROIs read" />
      <Stat value={s.alerts_last_hour} label="results, last hour" />
      <Stat value={ms(s.average_latency, s.latency_samples)} label="average ROI latency" />
      <Stat value={ms(s.latency_p95, s.latency_samples)} label="p95 ROI latency" />
      <Stat
        value={`${data.pool.busy} / ${data.pool.workers}`}
        label={`workers busy · ${data.pool.queued} queued`}
      />
    </div>
  );
}
