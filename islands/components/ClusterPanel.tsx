/** The dashboard's cluster section (`--nats` only): each node, its load and the jobs it owns. */
import { useEffect, useState } from "preact/hooks";
import { api, errorText } from "../stores/api.ts";

interface ClusterView {
  mode: "single" | "cluster";
  node_id: string;
  nodes: { id: string; url: string; capacity: number; load: number; owns: string[] }[];
  jobs: Record<string, string>;
}

/** Polls `/api/cluster` every 3 s; renders nothing on a single node. */
export function ClusterPanel() {
  const [view, setView] = useState<ClusterView | undefined>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    let live = true;
    const load = () =>
      api<ClusterView>("/api/cluster").then((v) => {
        if (!live) return;
        setView(v);
        setError(undefined);
      }, (err) => live && setError(errorText(err)));
    void load();
    const timer = setInterval(load, 3_000);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, []);
  if (!view || view.mode !== "cluster") return null;
  const unowned = Object.entries(view.jobs).filter(([, node]) => !node).map(([id]) => id);
  return (
    <section class="cluster">
      <h2>Cluster</h2>
      {error && <p class="notice error">{error}</p>}
      <table>
        <thead>
          <tr>
            <th>node</th>
            <th>load (ROI reads/s)</th>
            <th>jobs</th>
          </tr>
        </thead>
        <tbody>
          {view.nodes.map((n) => (
            <tr key={n.id}>
              <td>
                <a href={`${n.url}/home`}>{n.id}</a>
                {n.id === view.node_id && <span class="muted small">(this node)</span>}
              </td>
              <td>{n.load} / {n.capacity}</td>
              <td>{n.owns.join(", ") || "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {unowned.length > 0 && <p class="notice">Waiting for a node: {unowned.join(", ")}</p>}
    </section>
  );
}
