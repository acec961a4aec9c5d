/** A task's result rows as a table, a page at a time, optionally of one ROI only. */
import { useState } from "preact/hooks";
import type { BatchRow } from "../stores/batch_results.ts";
import { formatVideoTime } from "../stores/batch_format.ts";

/** Rows per page. */
export const ROWS_PER_PAGE = 100;

const num = (v: number | null, digits: number) => (v === null ? "" : v.toFixed(digits));

function Row({ r }: { r: BatchRow }) {
  return (
    <tr class={r.error ? "row-error" : undefined}>
      <td class="num">{r.frame_index}</td>
      <td class="num mono">{formatVideoTime(r.frame_time)}</td>
      <td>{r.roi_id}</td>
      <td>{r.name}</td>
      <td class="small">{r.module}</td>
      <td class="batch-text">{r.text}</td>
      <td class="num">{r.value === null ? "" : String(r.value)}</td>
      <td class="num">{num(r.confidence, 2)}</td>
      <td class="num">{(r.duration * 1000).toFixed(1)}</td>
      <td class="small batch-error">{r.error ?? ""}</td>
    </tr>
  );
}

function Pager(
  { page, pages, setPage }: { page: number; pages: number; setPage: (p: number) => void },
) {
  return (
    <div class="row">
      <button type="button" disabled={page === 0} onClick={() => setPage(page - 1)}>
        Previous
      </button>
      <span class="small muted">{`page ${page + 1} of ${pages}`}</span>
      <button type="button" disabled={page >= pages - 1} onClick={() => setPage(page + 1)}>
        Next
      </button>
    </div>
  );
}

/** The table with its ROI filter and pager. */
export function BatchResultsTable({ rows }: { rows: BatchRow[] }) {
  const [roi, setRoi] = useState("");
  const [page, setPage] = useState(0);
  const ids = [...new Set(rows.map((r) => r.roi_id))];
  const shown = roi ? rows.filter((r) => r.roi_id === roi) : rows;
  const pages = Math.max(1, Math.ceil(shown.length / ROWS_PER_PAGE));
  const at = Math.min(page, pages - 1);
  const slice = shown.slice(at * ROWS_PER_PAGE, (at + 1) * ROWS_PER_PAGE);
  return (
    <div class="stack">
      <div class="spread">
        <label class="check">
          ROI
          <select
            aria-label="show rows of ROI"
            value={roi}
            onChange={(e) => (setRoi(e.currentTarget.value), setPage(0))}
          >
            <option value="">all ({ids.length})</option>
            {ids.map((id) => <option key={id} value={id}>{id}</option>)}
          </select>
        </label>
        <span class="small muted">{`${shown.length} rows`}</span>
        {pages > 1 && <Pager page={at} pages={pages} setPage={setPage} />}
      </div>
      <div class="table-wrap">
        <table id="batch-rows">
          <thead>
            <tr>
              <th>Frame</th>
              <th>Time</th>
              <th>ROI</th>
              <th>Name</th>
              <th>Module</th>
              <th>Text</th>
              <th>Value</th>
              <th>Conf.</th>
              <th>ms</th>
              <th>Error</th>
            </tr>
          </thead>
          <tbody>
            {slice.map((r) => <Row key={`${r.frame_index}/${r.roi_id}`} r={r} />)}
          </tbody>
        </table>
      </div>
    </div>
  );
}
