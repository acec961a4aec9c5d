/** `/jobs/<id>`: one batch task's status, downloads, a plot of its numeric ROI values over video time, and its rows. */
import { useMemo } from "preact/hooks";
import { useStore } from "./stores/use_store.ts";
import { batchResultsStore, type BatchRow, seriesOfRows } from "./stores/batch_results.ts";
import { type BatchTask, resultsUrl } from "./stores/batch.ts";
import { BatchProgress } from "./components/BatchProgress.tsx";
import { BatchResultsTable } from "./components/BatchResultsTable.tsx";
import { StatusBadge } from "./components/StatusBadge.tsx";
import { TimeChart } from "./components/TimeChart.tsx";

const TONE: Record<string, "ok" | "bad" | "muted" | undefined> = {
  completed: "ok",
  failed: "bad",
  cancelled: "muted",
};

function Summary({ task: t }: { task: BatchTask }) {
  return (
    <section class="card stack" id="batch-summary">
      <div class="spread">
        <div class="row">
          <StatusBadge state={t.status} title={t.error} />
          <span class="small muted">
            {`${t.frames_done} / ${t.frames_expected} frames · ${t.roi_reads} reads · ${t.errors} errors`}
          </span>
        </div>
        <div class="row">
          <a class="button" href={resultsUrl(t.task_id, "csv")} download>Download CSV</a>
          <a class="button" href={resultsUrl(t.task_id, "json")} download>Download JSON</a>
        </div>
      </div>
      <BatchProgress value={t.progress} label={`progress of ${t.name}`} tone={TONE[t.status]} />
      {t.error && <p class="notice error">{t.error}</p>}
      {t.warning && <p class="notice">{t.warning}</p>}
    </section>
  );
}

function Plot({ rows }: { rows: BatchRow[] }) {
  const { series, time } = useMemo(() => seriesOfRows(rows), [rows]);
  const keys = Object.keys(series.columns).sort();
  const x = time ? "seconds into the video" : "image";
  return (
    <section class="card" id="batch-plot">
      <h2>Numeric values over {time ? "video time" : "the images"}</h2>
      {keys.length === 0
        ? <p class="muted">No ROI of this task read a number.</p>
        : (
          <div class="charts">
            {keys.map((k) => (
              <div key={k}>
                <h3 class="small">{k}</h3>
                <TimeChart
                  series={series}
                  keys={[k]}
                  height={140}
                  clock={false}
                  xLabel={x}
                  label={`${k} over ${x}`}
                />
              </div>
            ))}
          </div>
        )}
    </section>
  );
}

/** The results island; `id` is the task id from the path. */
export function BatchResults({ id }: { id: string }) {
  const store = useMemo(() => batchResultsStore(id), [id]);
  const { task, rows, error, missing } = useStore(store);
  return (
    <div>
      <p class="small">
        <a href="/jobs">← All batch tasks</a>
      </p>
      <h1 class="batch-title">{task ? `Results of ${task.name}` : "Batch results"}</h1>
      {missing && <p class="notice error">{`No batch task "${id}".`}</p>}
      {error && !missing && <p class="notice error">{error}</p>}
      {!task && !error && <p class="muted">Loading…</p>}
      {task && <Summary task={task} />}
      {task && rows && <Plot rows={rows} />}
      {rows && (
        <section class="card">
          <h2>Rows</h2>
          {rows.length === 0
            ? <p class="muted">No rows yet.</p>
            : <BatchResultsTable rows={rows} />}
        </section>
      )}
    </div>
  );
}
