/** `/home`: the live dashboard — totals, a card per running job with values and plots, groups, modules. */
import { useStore } from "./stores/use_store.ts";
import { $dashboard } from "./stores/dashboard.ts";
import { CameraCard } from "./components/CameraCard.tsx";
import { StatusBadge } from "./components/StatusBadge.tsx";

function Stat({ value, label }: { value: string | number; label: string }) {
  return (
    <div class="stat">
      <b>{value}</b>
      <span>{label}</span>
    </div>
  );
}

/** The dashboard island. */
export function Home(_props: Record<string, never>) {
  const { data, error } = useStore($dashboard);
  if (!data) {
    return (
      <div>
        <h1>Dashboard</h1>
        {error ? <p class="notice error">{error}</p> : <p class="muted">Loading…</p>}
      </div>
    );
  }
  const s = data.summary;
  const running = data.cameras.filter((c) => c.inference_running);
  const others = data.cameras.filter((c) => !c.inference_running);
  return (
    <div>
      <div class="spread">
        <h1>Dashboard</h1>
        <span class="muted small">updated {new Date(data.generated_at).toLocaleTimeString()}</span>
      </div>
      {error && <p class="notice error">{error}</p>}
      <div class="stats">
        <Stat value={`${s.online_cameras} / ${s.total_cameras}`} label="streams online" />
        <Stat value={s.inference_running} label="jobs running" />
        <Stat value={`${s.running_groups} / ${s.total_groups}`} label="groups running" />
        <Stat value={s.total_roi} label="ROIs read" />
        <Stat value={s.alerts_last_hour} label="results, last hour" />
        <Stat value={`${(s.average_latency * 1000).toFixed(0)} ms`} label="average ROI latency" />
        <Stat value={`${(s.latency_p95 * 1000).toFixed(0)} ms`} label="p95 ROI latency" />
        <Stat
          value={`${data.pool.busy} / ${data.pool.workers}`}
          label={`workers busy · ${data.pool.queued} queued`}
        />
      </div>
      {running.length === 0 && (
        <p class="notice">
          No job is running. Start one on <a href="/inference">Inference</a>.
        </p>
      )}
      <div class="wide-grid">
        {running.map((c) => <CameraCard key={c.cam_id} cam={c} />)}
      </div>
      <div class="grid" style="margin-top:1rem">
        <section class="card">
          <h2>Streams</h2>
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>cam_id</th>
                  <th>Source</th>
                  <th>State</th>
                  <th>Camera</th>
                </tr>
              </thead>
              <tbody>
                {data.cameras.map((c) => (
                  <tr key={c.cam_id}>
                    <td class="mono">{c.cam_id}</td>
                    <td>{c.source}</td>
                    <td>
                      <StatusBadge state={c.status} />
                    </td>
                    <td>
                      <StatusBadge state={c.camera_status} title={c.camera_error} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {others.length > 0 && <p class="muted small">{others.length} stream(s) without a job.</p>}
        </section>
        <section class="card">
          <h2>Modules</h2>
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>Module</th>
                  <th>avg ms</th>
                  <th>max ms</th>
                  <th>reads</th>
                  <th>errors</th>
                </tr>
              </thead>
              <tbody>
                {data.roi_metrics.module_details.map((m) => (
                  <tr key={m.name}>
                    <td>{m.name}</td>
                    <td>{(m.average_duration * 1000).toFixed(0)}</td>
                    <td>{(m.max_duration * 1000).toFixed(0)}</td>
                    <td>{m.sample_count}</td>
                    <td>{m.errors}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
        <section class="card">
          <h2>Groups</h2>
          <table>
            <thead>
              <tr>
                <th>Group</th>
                <th>Jobs</th>
                <th>Running</th>
                <th>ROIs</th>
              </tr>
            </thead>
            <tbody>
              {data.groups.map((g) => (
                <tr key={g.name}>
                  <td>{g.name}</td>
                  <td>{g.cameras}</td>
                  <td>{g.running}</td>
                  <td>{g.roi}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      </div>
    </div>
  );
}
