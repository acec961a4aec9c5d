/**
 * The ROI editor's own preview stream: a cam_id per browser tab (`roi_<random>`, kept in
 * sessionStorage so a reload reuses it), started on the chosen source and stopped when the page
 * goes away. VisionROI shared one global session (cam_id "1") between every user.
 */
import { useEffect, useState } from "preact/hooks";
import { api, errorText } from "./api.ts";

/** State of the tab's stream. */
export interface RoiSession {
  sid: string;
  started: boolean;
  error: string | undefined;
}

function tabStreamId(): string {
  const key = "visionroi.roi_stream";
  let sid = sessionStorage.getItem(key);
  if (!sid) {
    sid = `roi_${crypto.randomUUID().slice(0, 8)}`;
    sessionStorage.setItem(key, sid);
  }
  return sid;
}

/** Starts (or re-points) the tab's stream on `source`; stops it on page hide. */
export function useRoiSession(source: string): RoiSession {
  const [state, setState] = useState<RoiSession>({ sid: "", started: false, error: undefined });
  useEffect(() => {
    if (!source) return;
    const sid = tabStreamId();
    let live = true;
    setState({ sid, started: false, error: undefined });
    api(`/start_roi_stream/${sid}`, { method: "POST", body: { name: source } }).then(
      () => live && setState({ sid, started: true, error: undefined }),
      (err) => live && setState({ sid, started: false, error: errorText(err) }),
    );
    const stop = () =>
      void api(`/stop_roi_stream/${sid}`, { method: "POST", keepalive: true }).catch((err) =>
        console.warn(`stopping ${sid}: ${errorText(err)}`)
      );
    addEventListener("pagehide", stop);
    return () => {
      live = false;
      removeEventListener("pagehide", stop);
    };
  }, [source]);
  return state;
}
