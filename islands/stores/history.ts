/**
 * The results history page's pure parts: the filter → `/api/results` query (the same one the
 * page reads and its downloads fetch, so a download holds exactly the rows shown), and the rows →
 * one time series per numeric ROI, rejected readings in a series of their own.
 */
import type { Series } from "./results.ts";

/** Preset ranges in seconds; `custom` takes `from`/`to`. */
export const RANGES = { hour: 3_600, day: 86_400, week: 7 * 86_400 } as const;

/** A range choice. */
export type RangeName = keyof typeof RANGES | "custom";

/** Most rows the page reads (the newest of the range). */
export const HISTORY_LIMIT = 20_000;

/** What the user picked. */
export interface HistoryFilter {
  /** Source name; "" = every source. */
  source: string;
  /** ROI ids of that source; empty = every ROI. */
  rois: string[];
  range: RangeName;
  /** Custom range start/end, epoch seconds (only with `range: "custom"`). */
  from?: number;
  to?: number;
}

/** A row of `GET /api/results` (`status`/`reason` once plausibility rules store them). */
export interface HistoryRow {
  time: number;
  iso_time: string;
  cam_id: string;
  source: string;
  roi_id: string;
  name: string;
  module: string;
  text: string;
  value: number | null;
  duration: number;
  status?: "accepted" | "rejected" | string | null;
  reason?: string | null;
}

/** The resolved time bounds of a filter at `now` (epoch seconds); a custom range as given. */
export function boundsOf(f: HistoryFilter, now: number): { from?: number; to?: number } {
  if (f.range === "custom") return { from: f.from, to: f.to };
  return { from: Math.floor(now - RANGES[f.range]), to: Math.ceil(now) };
}

/**
 * The `/api/results` query of a filter with its bounds already resolved (a preset range is pinned
 * when the page loads) and, for downloads, the `max_id` of the rows shown (readings stored since
 * are left out): so a download is the same rows. Newest first, at most `limit` rows.
 */
export function resultsParams(
  f: HistoryFilter,
  bounds: { from?: number; to?: number },
  opts: { format?: "json" | "csv"; limit?: number; maxId?: number } = {},
): URLSearchParams {
  const p = new URLSearchParams();
  if (f.source) {
    p.set("source", f.source);
    for (const r of f.rois) p.append("roi", r);
  }
  if (bounds.from !== undefined) p.set("from", String(bounds.from));
  if (bounds.to !== undefined) p.set("to", String(bounds.to));
  if (opts.maxId !== undefined) p.set("max_id", String(opts.maxId));
  p.set("order", "desc");
  p.set("limit", String(opts.limit ?? HISTORY_LIMIT));
  p.set("format", opts.format ?? "json");
  return p;
}

/** Whether a row is a rejected reading (a missing status is accepted). */
export function isRejected(r: Pick<HistoryRow, "status">): boolean {
  return r.status === "rejected";
}

/** One chart: a numeric ROI of one source. */
export interface RoiChart {
  /** `source/roi_id`. */
  key: string;
  /** The ROI's name (or id), with its source when rows of several sources are shown. */
  label: string;
  /** Column of accepted values (`label`) and, when any, of rejected ones (`label (rejected)`). */
  series: Series;
  /** The rejected column's key, when there is one. */
  rejectedKey?: string;
  /** Readings of this ROI in the rows. */
  points: number;
}

/**
 * A chart per ROI that read at least one number, oldest point first; ROIs in the order of their
 * first appearance in `rows` sorted by label.
 */
export function chartsOf(rows: HistoryRow[]): RoiChart[] {
  const sources = new Set(rows.map((r) => r.source));
  const byRoi = new Map<string, HistoryRow[]>();
  for (const r of rows) {
    const key = `${r.source}/${r.roi_id}`;
    let list = byRoi.get(key);
    if (!list) byRoi.set(key, list = []);
    list.push(r);
  }
  const charts: RoiChart[] = [];
  for (const [key, list] of byRoi) {
    if (!list.some((r) => typeof r.value === "number")) continue;
    const sorted = [...list].sort((a, b) => a.time - b.time);
    const last = sorted[sorted.length - 1];
    const name = last.name || last.roi_id;
    const label = sources.size > 1 ? `${name} · ${last.source}` : name;
    const ok: (number | null)[] = [];
    const bad: (number | null)[] = [];
    for (const r of sorted) {
      const v = typeof r.value === "number" ? r.value : null;
      ok.push(isRejected(r) ? null : v);
      bad.push(isRejected(r) ? v : null);
    }
    const rejectedKey = bad.some((v) => v !== null) ? `${label} (rejected)` : undefined;
    const columns: Record<string, (number | null)[]> = { [label]: ok };
    if (rejectedKey) columns[rejectedKey] = bad;
    charts.push({
      key,
      label,
      series: { times: sorted.map((r) => r.time), columns },
      rejectedKey,
      points: sorted.length,
    });
  }
  return charts.sort((a, b) => a.label.localeCompare(b.label));
}

/** `YYYY-MM-DDTHH:MM` in local time, for `<input type="datetime-local">`. */
export function toLocalInput(epochSeconds: number): string {
  const d = new Date(epochSeconds * 1000);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${
    pad(d.getMinutes())
  }`;
}

/** Epoch seconds of a `datetime-local` value (local time); undefined when blank or invalid. */
export function fromLocalInput(v: string): number | undefined {
  if (!v) return undefined;
  const t = new Date(v).getTime();
  return Number.isFinite(t) ? t / 1000 : undefined;
}
