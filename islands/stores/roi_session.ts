/**
 * The ROI editor's own preview stream: a cam_id per browser tab (`roi_<random>`, kept in
 * sessionStorage so a reload reuses it), started on the chosen source and stopped when the page
 * goes away. The page holds the stream's lease: its `/ws_roi` socket holds it while open, and a
 * heartbeat every 15 s holds it besides, so a killed browser's stream stops after the lease time
 * (60 s) instead of running for ever. VisionROI shared one global session (cam_id "1").
 */
import { useEffect, useState } from "preact/hooks";
import { api, ApiError, errorText } from "./api.ts";

/** State of the tab's stream. */
export interface RoiSession {
  sid: string;
  started: boolean;
  error: string | undefined;
  /** Stops and starts the stream again (the camera opens anew: "Retry"). */
  retry(): void;
}

/** How often the page renews its preview's lease, ms (a quarter of the server's 60 s). */
export const HEARTBEAT_MS = 15_000;

function tabStreamId(): string {
  const key = "visionroi.roi_stream";
  let sid = sessionStorage.getItem(key);
  if (!sid) {
    sid = `roi_${crypto.randomUUID().slice(0, 8)}`;
    sessionStorage.setItem(key, sid);
  }
  return sid;
}

/** Starts (or re-points) the tab's stream on `source`, holds its lease; stops it on page hide. */
export function useRoiSession(source: string): RoiSession {
  const [attempt, setAttempt] = useState(0);
  const [state, setState] = useState<Omit<RoiSession, "retry">>({
    sid: "",
    started: false,
    error: undefined,
  });
  useEffect(() => {
    if (!source) return;
    const sid = tabStreamId();
    let live = true;
    let started = false;
    setState({ sid, started: false, error: undefined });
    // A retry stops the stream first, so that the camera is opened again rather than reused.
    const stopFirst = attempt > 0
      ? api(`/stop_roi_stream/${sid}`, { method: "POST" }).catch((err) =>
        console.warn(`stopping ${sid} before a retry: ${errorText(err)}`)
      )
      : Promise.resolve();
    const start = () =>
      stopFirst.then(() =>
        api(`/start_roi_stream/${sid}`, { method: "POST", body: { name: source } })
      ).then(
        () => {
          started = true;
          if (live) setState({ sid, started: true, error: undefined });
        },
        (err) => live && setState({ sid, started: false, error: errorText(err) }),
      );
    void start();
    const beat = setInterval(() => {
      api(`/roi_stream_heartbeat/${sid}`, { method: "POST" }).catch((err) => {
        // The lease ran out (the laptop slept, the server restarted): start the stream again.
        if (live && started && err instanceof ApiError && err.status === 404) void start();
        else console.warn(`heartbeat ${sid}: ${errorText(err)}`);
      });
    }, HEARTBEAT_MS);
    const stop = () =>
      void api(`/stop_roi_stream/${sid}`, { method: "POST", keepalive: true }).catch((err) =>
        console.warn(`stopping ${sid}: ${errorText(err)}`)
      );
    addEventListener("pagehide", stop);
    return () => {
      live = false;
      clearInterval(beat);
      removeEventListener("pagehide", stop);
    };
  }, [source, attempt]);
  return { ...state, retry: () => setAttempt((a) => a + 1) };
}
