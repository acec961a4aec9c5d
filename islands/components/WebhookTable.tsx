/** The webhooks table: URL, what fires it, delivery state and counters, last error, row actions. */
import type { WebhookView } from "../stores/types.ts";
import { StatusBadge } from "./StatusBadge.tsx";

/** Props of {@linkcode WebhookTable}. */
export interface WebhookTableProps {
  hooks: WebhookView[];
  onEdit(h: WebhookView): void;
  onDelete(name: string): void;
}

const time = (s: number | null | undefined) => s ? new Date(s * 1000).toLocaleString() : "never";

/** What fires a hook, in words. */
function trigger(h: WebhookView): string {
  const what = h.when === "match" ? `match /${h.pattern}/` : h.when;
  const scope = [
    h.sources.length ? `sources ${h.sources.join(", ")}` : "",
    h.cam_ids.length ? `cam_ids ${h.cam_ids.join(", ")}` : "",
    h.rois.length ? `ROIs ${h.rois.join(", ")}` : "",
  ].filter(Boolean).join(" · ");
  return scope ? `${what} · ${scope}` : what;
}

/** The table. */
export function WebhookTable({ hooks, onEdit, onDelete }: WebhookTableProps) {
  return (
    <div class="table-wrap">
      <table id="webhooks">
        <thead>
          <tr>
            <th>Name</th>
            <th>URL</th>
            <th>Fires on</th>
            <th>Delivery</th>
            <th>Queued · delivered · dropped</th>
            <th>Last delivery</th>
            <th></th>
          </tr>
        </thead>
        <tbody>
          {hooks.map((h) => (
            <tr key={h.name} data-webhook={h.name}>
              <td>
                {h.name}
                {h.has_secret && <div class="small muted">signed</div>}
              </td>
              <td class="mono small">{h.url}</td>
              <td class="small">{trigger(h)}</td>
              <td>
                <StatusBadge
                  state={h.status?.state ?? "unknown"}
                  title={h.status?.last_error}
                />
                {h.status?.last_error && (
                  <div class="small muted">
                    {h.status.last_error} ({time(h.status.last_error_at)})
                  </div>
                )}
              </td>
              <td class="mono small">
                {h.status?.queued ?? 0} · {h.status?.delivered ?? 0} · {h.status?.dropped ?? 0}
              </td>
              <td class="small">{time(h.status?.last_delivery_at)}</td>
              <td>
                <div class="row">
                  <button type="button" onClick={() => onEdit(h)}>Edit</button>
                  <button type="button" class="danger" onClick={() => onDelete(h.name)}>
                    Delete
                  </button>
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
