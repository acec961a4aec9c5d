/**
 * `/history`: the live results history (`GET /api/results`) of a source and its ROIs over the
 * last hour, day, week or a custom range: a zoomable chart per numeric ROI, the rows a page at a
 * time, and CSV/JSON downloads of the same query (the same rows).
 */
import { useEffect, useMemo, useState } from "preact/hooks";
import { api, errorText } from "./stores/api.ts";
import {
  boundsOf,
  chartsOf,
  fromLocalInput,
  HISTORY_LIMIT,
  type HistoryFilter,
  type HistoryRow,
  type RangeName,
  resultsParams,
  toLocalInput,
} from "./stores/history.ts";
import { HistoryTable } from "./components/HistoryTable.tsx";
import { TimeChart } from "./components/TimeChart.tsx";

/** Props: the filter from the page's query string. */
export interface HistoryProps {
  source: string;
  rois: string[];
  range: string;
  from?: number;
  to?: number;
}

interface Loaded {
  rows: HistoryRow[];
  bounds: { from?: number; to?: number };
  /** The query the rows came from (the downloads repeat it). */
  query: URLSearchParams;
}

const RANGE_LABELS: [RangeName, string][] = [
  ["hour", "Last hour"],
  ["day", "Last day"],
  ["week", "Last week"],
  ["custom", "Custom"],
];

function initialFilter(p: HistoryProps): HistoryFilter {
  const range = RANGE_LABELS.some(([r]) => r === p.range) ? p.range as RangeName : "hour";
  return { source: p.source, rois: p.rois, range, from: p.from, to: p.to };
}

/** The page's query string for a filter (so a reload or a bookmark shows the same). */
function pageQuery(f: HistoryFilter): string {
  const q = new URLSearchParams();
  if (f.source) q.set("source", f.source);
  for (const r of f.rois) q.append("roi", r);
  q.set("range", f.range);
  if (f.range === "custom") {
    if (f.from !== undefined) q.set("from", String(f.from));
    if (f.to !== undefined) q.set("to", String(f.to));
  }
  return q.toString();
}

function span(b: { from?: number; to?: number }): string {
  const t = (v?: number) => (v === undefined ? "…" : new Date(v * 1000).toLocaleString());
  return `${t(b.from)} – ${t(b.to)}`;
}

/** ROI choices of a source: its saved ROIs, plus ROIs that only appear in the history. */
function useRoiChoices(source: string, rows: HistoryRow[]): { id: string; name: string }[] {
  const [saved, setSaved] = useState<{ id: string; name: string }[]>([]);
  useEffect(() => {
    setSaved([]);
    if (!source) return;
    let live = true;
    api<{ rois: { id: string | number; type?: string; name?: string | null }[] }>(
      `/load_roi/${encodeURIComponent(source)}`,
    ).then((r) => {
      if (!live) return;
      setSaved(
        r.rois.filter((e) => (e.type ?? "roi") === "roi").map((e) => ({
          id: String(e.id),
          name: e.name || String(e.id),
        })),
      );
    }).catch(() => live && setSaved([]));
    return () => (live = false);
  }, [source]);
  return useMemo(() => {
    const out = [...saved];
    for (const r of rows) {
      if (r.source === source && !out.some((o) => o.id === r.roi_id)) {
        out.push({ id: r.roi_id, name: r.name || r.roi_id });
      }
    }
    return out;
  }, [saved, rows, source]);
}

function Filters(
  { filter, set, sources, rois, reload }: {
    filter: HistoryFilter;
    set: (f: HistoryFilter) => void;
    sources: string[];
    rois: { id: string; name: string }[];
    reload: () => void;
  },
) {
  const [from, setFrom] = useState(filter.from !== undefined ? toLocalInput(filter.from) : "");
  const [to, setTo] = useState(filter.to !== undefined ? toLocalInput(filter.to) : "");
  const toggle = (id: string) => {
    const all = filter.rois.length === 0 ? rois.map((r) => r.id) : filter.rois;
    const next = all.includes(id) ? all.filter((x) => x !== id) : [...all, id];
    set({ ...filter, rois: next.length === rois.length ? [] : next });
  };
  // A source from the URL that is gone (deleted, renamed) still has its history.
  const choices = filter.source && !sources.includes(filter.source)
    ? [filter.source, ...sources]
    : sources;
  const applyCustom = (ev: Event) => {
    ev.preventDefault();
    set({ ...filter, range: "custom", from: fromLocalInput(from), to: fromLocalInput(to) });
  };
  return (
    <form class="card stack" aria-label="History filter" onSubmit={applyCustom}>
      <div class="form-grid">
        <label>
          Source
          <select
            name="source"
            value={filter.source}
            onChange={(e) => set({ ...filter, source: e.currentTarget.value, rois: [] })}
          >
            <option value="">All sources</option>
            {choices.map((s) => <option key={s} value={s}>{s}</option>)}
          </select>
        </label>
        <label>
          Time range
          <select
            name="range"
            value={filter.range}
            onChange={(e) => {
              const range = e.currentTarget.value as RangeName;
              if (range !== "custom") return set({ ...filter, range });
              // Custom starts from the range shown until now, for the user to adjust.
              const b = boundsOf(filter, Date.now() / 1000);
              setFrom(b.from !== undefined ? toLocalInput(b.from) : "");
              setTo(b.to !== undefined ? toLocalInput(b.to) : "");
              set({ ...filter, range, from: b.from, to: b.to });
            }}
          >
            {RANGE_LABELS.map(([r, l]) => <option key={r} value={r}>{l}</option>)}
          </select>
        </label>
        {filter.range === "custom" && (
          <>
            <label>
              From<input
                type="datetime-local"
                name="from"
                value={from}
                onInput={(e) => setFrom(e.currentTarget.value)}
              />
            </label>
            <label>
              To<input
                type="datetime-local"
                name="to"
                value={to}
                onInput={(e) => setTo(e.currentTarget.value)}
              />
            </label>
          </>
        )}
        <div class="row">
          {filter.range === "custom" && <button class="primary" type="submit">Show</button>}
          <button type="button" onClick={reload}>Refresh</button>
        </div>
      </div>
      {filter.source && rois.length > 0 && (
        <fieldset class="history-rois">
          <legend class="small muted">ROIs of {filter.source}</legend>
          {rois.map((r) => (
            <label class="check" key={r.id}>
              <input
                type="checkbox"
                name="roi"
                value={r.id}
                checked={filter.rois.length === 0 || filter.rois.includes(r.id)}
                onChange={() => toggle(r.id)}
              />
              {r.name === r.id ? r.id : `${r.name} (${r.id})`}
            </label>
          ))}
        </fieldset>
      )}
      {!filter.source && (
        <p class="small muted">Pick a source to choose its ROIs; all sources show every ROI.</p>
      )}
    </form>
  );
}

function Charts({ rows }: { rows: HistoryRow[] }) {
  const charts = useMemo(() => chartsOf(rows), [rows]);
  return (
    <section class="card" id="history-charts">
      <div class="spread">
        <h2>Numeric values</h2>
        <span class="small muted">
          Drag across a chart to zoom in, Shift+drag to pan, Ctrl+wheel to zoom, double-click to see
          the whole range; all charts follow.
        </span>
      </div>
      {charts.length === 0
        ? <p class="muted">No ROI in this range read a number.</p>
        : (
          <div class="wide-grid">
            {charts.map((c) => (
              <div key={c.key} data-chart={c.key}>
                <h3 class="small">
                  {c.label}{" "}
                  <span class="muted">{`· ${c.points} reading${c.points === 1 ? "" : "s"}`}</span>
                </h3>
                <TimeChart
                  series={c.series}
                  height={180}
                  label={`${c.label} over time`}
                  panZoom
                  syncKey="history"
                  pointsOnly={c.rejectedKey ? [c.rejectedKey] : []}
                />
              </div>
            ))}
          </div>
        )}
    </section>
  );
}

/** The island. */
export function History(props: HistoryProps) {
  const [filter, setFilter] = useState<HistoryFilter>(() => initialFilter(props));
  const [sources, setSources] = useState<string[]>([]);
  const [data, setData] = useState<Loaded | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [tick, setTick] = useState(0);
  const rois = useRoiChoices(filter.source, data?.rows ?? []);

  useEffect(() => {
    api<{ name: string }[]>("/source_list").then((l) => setSources(l.map((s) => s.name)))
      .catch((err) => setError(`Sources not loaded: ${errorText(err)}`));
  }, []);

  useEffect(() => {
    history.replaceState(null, "", `/history?${pageQuery(filter)}`);
    let live = true;
    const bounds = boundsOf(filter, Date.now() / 1000);
    const query = resultsParams(filter, bounds);
    setLoading(true);
    api<{ count: number; max_id: number; rows: HistoryRow[] }>(`/api/results?${query}`).then(
      (r) => {
        if (!live) return;
        // Downloads repeat the query up to the newest row this answer saw: the same rows.
        setData({
          rows: r.rows,
          bounds,
          query: resultsParams(filter, bounds, { maxId: r.max_id }),
        });
        setError(null);
      },
    ).catch((err) => live && setError(errorText(err))).finally(() => live && setLoading(false));
    return () => (live = false);
  }, [pageQuery(filter), tick]);

  const download = (format: "csv" | "json") => {
    const q = new URLSearchParams(data!.query);
    q.set("format", format);
    return `/api/results?${q}`;
  };
  return (
    <div>
      <h1>Results history</h1>
      <Filters
        filter={filter}
        set={setFilter}
        sources={sources}
        rois={rois}
        reload={() => setTick((t) => t + 1)}
      />
      {error && <p class="notice error">{error}</p>}
      {!data && !error && <p class="muted">Loading…</p>}
      {data && (
        <>
          <section class="card spread" id="history-summary" aria-busy={loading}>
            <span>
              <strong>
                {`${data.rows.length} reading${data.rows.length === 1 ? "" : "s"}`}
              </strong>{" "}
              <span class="muted small">{span(data.bounds)}</span>
            </span>
            <div class="row">
              <a class="button" id="history-csv" href={download("csv")} download>
                Download CSV
              </a>
              <a class="button" id="history-json" href={download("json")} download>
                Download JSON
              </a>
            </div>
            {data.rows.length >= HISTORY_LIMIT && (
              <p class="notice">
                {`Only the newest ${HISTORY_LIMIT} readings of this range are shown (and downloaded); ` +
                  "pick a shorter range or fewer ROIs to see older ones, or call /api/results."}
              </p>
            )}
          </section>
          {data.rows.length === 0
            ? (
              <p class="notice">
                No readings in this range. Readings are kept while a job runs (start one on the{" "}
                <a href="/inference">Inference</a> page).
              </p>
            )
            : (
              <>
                <Charts rows={data.rows} />
                <section class="card">
                  <h2>Readings</h2>
                  <HistoryTable key={data.query.toString()} rows={data.rows} />
                </section>
              </>
            )}
        </>
      )}
    </div>
  );
}
