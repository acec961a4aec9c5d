/**
 * `/metrics` in cluster mode: the cluster's view in Prometheus text (appended to the node's own
 * registry output), so a scrape of any node shows every node and every job: its owner and its
 * newest result as this node saw it (local or from the result subjects).
 */
import type { FrameResult } from "../jobs/result_bus.ts";
import type { ClusterView } from "./cluster_node.ts";

/** The exposition lines of the cluster families. */
export function clusterMetricsText(view: ClusterView, recent: readonly FrameResult[]): string {
  const esc = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
  const lines: string[] = [];
  const family = (name: string, type: string, help: string, rows: [string, number][]) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of rows) lines.push(`${name}{${labels}} ${value}`);
  };
  family(
    "visionroi_cluster_node_load",
    "gauge",
    "ROI reads/s of the jobs a node owns.",
    view.nodes.map((n) => [`node="${esc(n.id)}"`, n.load]),
  );
  family(
    "visionroi_cluster_node_capacity",
    "gauge",
    "ROI reads/s a node takes on (--capacity).",
    view.nodes.map((n) => [`node="${esc(n.id)}"`, n.capacity]),
  );
  family(
    "visionroi_cluster_job_owned",
    "gauge",
    "1 when a node owns the job now, 0 when no node does.",
    Object.entries(view.jobs).map((
      [camId, node],
    ) => [`cam_id="${esc(camId)}",node="${esc(node)}"`, node ? 1 : 0]),
  );
  const newest = new Map<string, number>();
  for (const r of recent) newest.set(r.cam_id, Math.max(newest.get(r.cam_id) ?? 0, r.result_time));
  family(
    "visionroi_cluster_last_result_timestamp_seconds",
    "gauge",
    "Newest result of a job seen by this node (from any node), seconds since the epoch.",
    [...newest].map(([camId, t]) => [`cam_id="${esc(camId)}"`, t]),
  );
  return lines.join("\n") + "\n";
}
