/**
 * `$results`: per cam_id, the newest frame result and page message from `/ws_roi_result/<cam_id>`,
 * plus a bounded history of numeric values and module latencies for plots. The socket opens with
 * the first listener and closes after the last.
 */
import { atom, onMount, type WritableAtom } from "nanostores";
import { openLiveSocket, type SocketState } from "./live_socket.ts";
import { api, errorText } from "./api.ts";
import type { FrameResult, GroupMessage } from "./types.ts";

/** Points kept per series (10 minutes at 1 result a second). */
export const HISTORY_POINTS = 600;

/** Time series: shared times (epoch seconds) and one value column per key. */
export interface Series {
  times: number[];
  columns: Record<string, (number | null)[]>;
}

/** What one cam_id's results store holds. */
export interface CamResults {
  latest: FrameResult | null;
  group: GroupMessage | null;
  state: SocketState;
  detail?: string;
  /** Numeric ROI values by ROI label. */
  values: Series;
  /** Per-module average read duration (ms) by module. */
  latency: Series;
}

const stores = new Map<string, WritableAtom<CamResults>>();

/** Appends one row to a series (a key seen first gets nulls before), dropping the oldest. */
export function appendRow(s: Series, t: number, row: Record<string, number>): Series {
  const times = [...s.times, t];
  const columns: Record<string, (number | null)[]> = {};
  for (const k of new Set([...Object.keys(s.columns), ...Object.keys(row)])) {
    const old = s.columns[k] ?? s.times.map(() => null);
    columns[k] = [...old, row[k] ?? null];
  }
  if (times.length > HISTORY_POINTS) {
    times.shift();
    for (const k in columns) columns[k].shift();
  }
  return { times, columns };
}

/** The numeric values and per-module latencies of one frame result. */
export function rowsOf(
  r: FrameResult,
): { values: Record<string, number>; latency: Record<string, number> } {
  const values: Record<string, number> = {};
  const sums: Record<string, number[]> = {};
  for (const e of r.results) {
    const v = typeof e.value === "number" ? e.value : Number.NaN;
    if (Number.isFinite(v)) values[e.name || String(e.id)] = v;
    (sums[e.module] ??= []).push(e.duration * 1000);
  }
  const latency: Record<string, number> = {};
  for (const [m, ds] of Object.entries(sums)) {
    latency[m] = ds.reduce((a, b) => a + b, 0) / ds.length;
  }
  return { values, latency };
}

function apply(store: WritableAtom<CamResults>, data: string | Blob) {
  if (typeof data !== "string") return;
  const msg = JSON.parse(data) as FrameResult | GroupMessage;
  const cur = store.get();
  if (!("results" in msg)) return store.set({ ...cur, group: msg });
  const { values, latency } = rowsOf(msg);
  store.set({
    ...cur,
    latest: msg,
    values: appendRow(cur.values, msg.result_time, values),
    latency: appendRow(cur.latency, msg.result_time, latency),
  });
}

/**
 * Shows the job's last result at once (the dashboard keeps it) instead of waiting up to one
 * interval for the socket's next message; a failure only means waiting for that message.
 */
async function seed(store: WritableAtom<CamResults>, camId: string): Promise<void> {
  try {
    const d = await api<{ cameras: { cam_id: string; latest: FrameResult | null }[] }>(
      "/api/dashboard",
    );
    const latest = d.cameras.find((c) => c.cam_id === camId)?.latest;
    if (latest && !store.get().latest) apply(store, JSON.stringify(latest));
  } catch (err) {
    console.warn(`no last result for ${camId}: ${errorText(err)}`);
  }
}

/** The results store of `camId` (one per cam_id, shared by every island on the page). */
export function resultsStore(camId: string): WritableAtom<CamResults> {
  let store = stores.get(camId);
  if (store) return store;
  const empty: Series = { times: [], columns: {} };
  const s = atom<CamResults>({
    latest: null,
    group: null,
    state: "connecting",
    values: empty,
    latency: empty,
  });
  onMount(s, () => {
    void seed(s, camId);
    return openLiveSocket(`/ws_roi_result/${encodeURIComponent(camId)}`, {
      onMessage: (data) => apply(s, data),
      onState: (state, detail) => s.set({ ...s.get(), state, detail }),
    });
  });
  stores.set(camId, s);
  store = s;
  return store;
}
