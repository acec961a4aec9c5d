/** The dashboard's tables: every stream, module read times, groups, recent results. */
import type { Dashboard } from "../stores/dashboard.ts";
import { StatusBadge } from "./StatusBadge.tsx";
import { cameraDown, cameraWords } from "../stores/camera_state.ts";

function StreamsTable({ data }: { data: Dashboard }) {
  const others = data.cameras.filter((c) => !c.inference_running).length;
  return (
    <section class="card span-2">
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
              <tr key={c.cam_id} data-cam={c.cam_id}>
                <td class="mono">
                  <a href={`/inference?cam_id=${encodeURIComponent(c.cam_id)}`}>{c.cam_id}</a>
                </td>
                <td>{c.source}</td>
                <td>
                  <StatusBadge state={c.status} />
                </td>
                <td>
                  <StatusBadge state={c.camera_status} title={c.camera_error} />
                  {cameraDown(c.camera_status) && (
                    <div class="small reason">
                      {cameraWords(c.camera_status, c.camera_error, c.camera_last_frame)}
                      {" · "}
                      <a href={`/create_source?source=${encodeURIComponent(c.source)}`}>
                        edit source
                      </a>
                    </div>
                  )}
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
      {data.roi_metrics.module_details.length === 0 && (
        <p class="empty-state small">No ROI read yet.</p>
      )}
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
      <div class="table-wrap">
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
      </div>
    </section>
  );
}

function RecentTable({ data }: { data: Dashboard }) {
  return (
    <section class="card span-2">
      <h2>Recent results</h2>
      {data.alerts.length === 0 && <p class="empty-state small">No results yet.</p>}
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
    <div class="grid dash-tables" style="margin-top:1rem">
      <StreamsTable data={data} />
      <ModulesTable data={data} />
      <GroupsTable data={data} />
      <RecentTable data={data} />
    </div>
  );
}
