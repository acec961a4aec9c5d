/** The batch task list: each task with its status, live progress bar, counters and actions. */
import type { BatchTask } from "../stores/batch.ts";
import { isActive, resultsUrl } from "../stores/batch.ts";
import { BatchProgress } from "./BatchProgress.tsx";
import { formatBytes, formatSeconds } from "../stores/batch_format.ts";
import { StatusBadge } from "./StatusBadge.tsx";

/** What a task row asks its list to do. */
export interface BatchTaskActions {
  cancel(task: BatchTask): Promise<void>;
  remove(task: BatchTask): Promise<void>;
}

const TONE = { completed: "ok", failed: "bad", cancelled: "muted" } as const;

/** When it was made, and how long it ran (so far). */
function timing(t: BatchTask): string {
  const made = new Date(t.created_at).toLocaleString();
  if (!t.started_at) return `queued ${made}`;
  const end = t.finished_at ? Date.parse(t.finished_at) : Date.now();
  const took = formatSeconds((end - Date.parse(t.started_at)) / 1000);
  return `${made} · ${t.finished_at ? "took" : "running"} ${took}`;
}

function what(t: BatchTask): string {
  const frames = t.kind === "video"
    ? t.fps
      ? `${t.fps} frames/s`
      : t.every_n_frames === 1
      ? "every frame"
      : `1 in ${t.every_n_frames} frames`
    : `${t.files.length} image${t.files.length === 1 ? "" : "s"}`;
  const rois = t.source ? `ROIs of ${t.source}${t.group ? ` (${t.group})` : ""}` : "inline ROIs";
  return `${t.kind} · ${formatBytes(t.bytes)} · ${frames} · ${rois}`;
}

function TaskRow({ task: t, actions }: { task: BatchTask; actions: BatchTaskActions }) {
  const tone = TONE[t.status as keyof typeof TONE];
  return (
    <li class="batch-task" data-task={t.task_id} data-status={t.status}>
      <div class="batch-main">
        <div class="row">
          <a class="batch-name" href={`/jobs/${encodeURIComponent(t.task_id)}`}>{t.name}</a>
          <StatusBadge state={t.status} title={t.error} />
        </div>
        <BatchProgress
          value={t.progress}
          label={`progress of ${t.name}`}
          tone={tone}
          detail={`${t.frames_done} / ${t.frames_expected} frames · ${t.roi_reads} reads` +
            (t.errors ? ` · ${t.errors} errors` : "")}
        />
        <div class="small muted">{what(t)}</div>
        <div class="small muted">{timing(t)}</div>
        {t.error && <div class="small batch-error">{t.error}</div>}
      </div>
      <div class="row batch-actions">
        <a class="button" href={`/jobs/${encodeURIComponent(t.task_id)}`}>Results</a>
        <a class="button" href={resultsUrl(t.task_id, "csv")} download>CSV</a>
        <a class="button" href={resultsUrl(t.task_id, "json")} download>JSON</a>
        {isActive(t.status) && (
          <button type="button" onClick={() => actions.cancel(t)}>Cancel</button>
        )}
        <button type="button" class="danger" onClick={() => actions.remove(t)}>Delete</button>
      </div>
    </li>
  );
}

/** The list, newest first (as the server sends it). */
export function BatchTaskList(
  { tasks, actions }: { tasks: BatchTask[]; actions: BatchTaskActions },
) {
  return (
    <ul class="batch-tasks" id="batch-tasks">
      {tasks.map((t) => <TaskRow key={t.task_id} task={t} actions={actions} />)}
    </ul>
  );
}
