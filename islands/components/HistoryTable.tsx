/** The results history rows, newest first, a page at a time; rejected readings marked with their reason. */
import { useState } from "preact/hooks";
import { type HistoryRow, isRejected } from "../stores/history.ts";

/** Rows per page. */
export const HISTORY_PAGE = 50;

/** Clock time for today's readings, date and time for older ones. */
function shortTime(t: number): string {
  const d = new Date(t * 1000);
  return d.toDateString() === new Date().toDateString()
    ? d.toLocaleTimeString()
    : d.toLocaleString();
}

function Status({ r }: { r: HistoryRow }) {
  if (isRejected(r)) {
    return <span class="history-rejected">{`rejected${r.reason ? `: ${r.reason}` : ""}`}</span>;
  }
  return <span class="muted small">accepted</span>;
}

function Row({ r, showSource }: { r: HistoryRow; showSource: boolean }) {
  return (
    <tr class={isRejected(r) ? "row-rejected" : undefined} data-roi={r.roi_id}>
      <td class="mono small nowrap" title={r.iso_time}>{shortTime(r.time)}</td>
      {showSource && <td>{r.source}</td>}
      <td>{r.name && r.name !== r.roi_id ? `${r.name} (${r.roi_id})` : r.roi_id}</td>
      <td class="small">{r.module}</td>
      <td class="batch-text">{r.text}</td>
      <td class="num">{r.value === null ? "" : String(r.value)}</td>
      <td class="num">{(r.duration * 1000).toFixed(1)}</td>
      <td>
        <Status r={r} />
      </td>
    </tr>
  );
}

/** The table and its pager; `rows` newest first. */
export function HistoryTable({ rows }: { rows: HistoryRow[] }) {
  const [page, setPage] = useState(0);
  const pages = Math.max(1, Math.ceil(rows.length / HISTORY_PAGE));
  const at = Math.min(page, pages - 1);
  const slice = rows.slice(at * HISTORY_PAGE, (at + 1) * HISTORY_PAGE);
  const showSource = new Set(rows.map((r) => r.source)).size > 1;
  const rejected = rows.filter(isRejected).length;
  return (
    <div class="stack">
      <div class="spread">
        <span class="small muted">
          {`${rows.length} reading${rows.length === 1 ? "" : "s"}${
            rejected ? ` · ${rejected} rejected` : ""
          } · ` +
            `rows ${at * HISTORY_PAGE + 1}–${at * HISTORY_PAGE + slice.length}, newest first`}
        </span>
        {pages > 1 && (
          <div class="row" aria-label="pages">
            <button type="button" disabled={at === 0} onClick={() => setPage(0)}>Newest</button>
            <button type="button" disabled={at === 0} onClick={() => setPage(at - 1)}>
              Previous
            </button>
            <span class="small muted" id="history-page">{`page ${at + 1} of ${pages}`}</span>
            <button type="button" disabled={at >= pages - 1} onClick={() => setPage(at + 1)}>
              Next
            </button>
          </div>
        )}
      </div>
      <div class="table-wrap">
        <table id="history-rows">
          <thead>
            <tr>
              <th>Time</th>
              {showSource && <th>Source</th>}
              <th>ROI</th>
              <th>Module</th>
              <th>Text</th>
              <th>Value</th>
              <th>ms</th>
              <th>Status</th>
            </tr>
          </thead>
          <tbody>
            {slice.map((r, i) => (
              <Row key={`${r.time}/${r.source}/${r.roi_id}/${i}`} r={r} showSource={showSource} />
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
