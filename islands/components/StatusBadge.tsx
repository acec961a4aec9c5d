/** A coloured badge for a camera, job, socket or connection state word. */

const TONE: Record<string, string> = {
  live: "ok",
  active: "ok",
  running: "ok",
  open: "ok",
  connected: "ok",
  inference: "ok",
  roi_stream: "info",
  starting: "info",
  connecting: "info",
  restarting: "warn",
  stalled: "warn",
  retrying: "warn",
  idle: "ok",
  sending: "info",
  disconnected: "warn",
  outage: "warn",
  waiting: "warn",
  processing: "info",
  completed: "ok",
  cancelled: "warn",
  failed: "bad",
  error: "bad",
  accepted: "ok",
  rejected: "bad",
};

/** The state as a badge; `title` shows the reason (for example the last error). */
export function StatusBadge({ state, title }: { state: string; title?: string | null }) {
  return <span class={`badge ${TONE[state] ?? ""}`} title={title ?? undefined}>{state}</span>;
}
