/** `/home`: the live dashboard — totals, a card per running job with values and plots, groups, modules. */
import { useStore } from "./stores/use_store.ts";
import { $dashboard } from "./stores/dashboard.ts";
import { CameraCard } from "./components/CameraCard.tsx";
import { DashboardStats } from "./components/DashboardStats.tsx";
import { DashboardTables } from "./components/DashboardTables.tsx";
import { ClusterPanel } from "./components/ClusterPanel.tsx";

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
  const running = data.cameras.filter((c) => c.inference_running);
  return (
    <div>
      <div class="spread">
        <h1>Dashboard</h1>
        <span class="muted small">updated {new Date(data.generated_at).toLocaleTimeString()}</span>
      </div>
      {error && <p class="notice error">{error}</p>}
      <DashboardStats data={data} />
      {running.length === 0 && (
        <p class="notice">
          No job is running. Start one on <a href="/inference">Inference</a>.
        </p>
      )}
      <div class="wide-grid">
        {running.map((c) => <CameraCard key={c.cam_id} cam={c} />)}
      </div>
      <DashboardTables data={data} />
      <ClusterPanel />
    </div>
  );
}
