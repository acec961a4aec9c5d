/** The dashboard's tables: every stream, module read times, groups, recent results. */
import type { Dashboard } from "../stores/dashboard.ts";
import { StatusBadge } from "./StatusBadge.tsx";

function StreamsTable({ data }: { data: Dashboard }) {
  const others = data.cameras.filter((c) => !c.inference_running).length;
  return (
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
      {others > 0 && <p class="muted small">{others} stream(s) without a job.</p>}
    </section>
  );
}

function ModulesTable({ data }: { data: Dashboard }) {
  return (
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
  );
}

function GroupsTable({ data }: { data: Dashboard }) {
  return (
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
  );
}

function RecentTable({ data }: { data: Dashboard }) {
  return (
    <section class="card">
      <h2>Recent results</h2>
      <div class="table-wrap">
        <table class="small">
          <thead>
            <tr>
              <th>Time</th>
              <th>cam_id</th>
              <th>Values</th>
            </tr>
          </thead>
          <tbody>
            {data.alerts.slice(0, 8).map((a) => (
              <tr key={`${a.cam_id}/${a.result_time}`}>
                <td>{new Date(a.result_time * 1000).toLocaleTimeString()}</td>
                <td class="mono">{a.cam_id}</td>
                <td class="mono">{a.results.map((r) => `${r.id}=${r.text}`).join(", ")}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** The dashboard's tables. */
export function DashboardTables({ data }: { data: Dashboard }) {
  return (
    <div class="grid" style="margin-top:1rem">
      <StreamsTable data={data} />
      <ModulesTable data={data} />
      <GroupsTable data={data} />
      <RecentTable data={data} />
    </div>
  );
}
