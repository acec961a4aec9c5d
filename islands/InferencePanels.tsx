/**
 * `/inference` (jobs by group) and `/inference_page` (page detection): several job panels at once.
 * Panels of running jobs come back after a reload; panels the user opened are remembered.
 */
import { useEffect, useState } from "preact/hooks";
import { useStore } from "./stores/use_store.ts";
import { $jobs } from "./stores/jobs.ts";
import { loadPanelIds, savePanelIds } from "./stores/panel_settings.ts";
import { api, errorText } from "./stores/api.ts";
import { JobPanel } from "./components/JobPanel.tsx";

/** Props: `mode` picks the page; `focus` is a cam_id to open (the dashboard links one). */
export interface InferencePanelsProps {
  mode: "group" | "page";
  focus: string;
}

/** True when a job's cam_id belongs on this page (page-mode ids start `page_`, as in VisionROI). */
export function belongs(camId: string, mode: "group" | "page"): boolean {
  return mode === "page" ? camId.startsWith("page_") : !camId.startsWith("page_");
}

/** The island. */
export function InferencePanels({ mode, focus }: InferencePanelsProps) {
  const jobs = useStore($jobs);
  const [ids, setIds] = useState<string[]>([]);
  useEffect(() => {
    // Merged, not replaced: a panel added before this effect ran must stay.
    setIds((now) => [...new Set([...loadPanelIds(mode), ...now])]);
  }, []);
  useEffect(() => {
    const running = (jobs.data ?? []).filter((j) => j.running && belongs(j.cam_id, mode)).map((j) =>
      j.cam_id
    );
    const extra = [...running, ...(focus ? [focus] : [])].filter((id) => !ids.includes(id));
    if (extra.length) update([...ids, ...extra]);
  }, [jobs.data]);
  const update = (next: string[]) => {
    setIds(next);
    savePanelIds(mode, next);
  };
  const add = () => {
    const prefix = mode === "page" ? "page" : "inf";
    update([...ids, `${prefix}_${crypto.randomUUID().slice(0, 6)}`]);
  };
  const remove = async (camId: string) => {
    const job = jobs.data?.find((j) => j.cam_id === camId);
    if (job?.running) {
      if (!confirm(`Stop job ${camId} and close its panel?`)) return;
      try {
        await api(`/stop_inference/${encodeURIComponent(camId)}`, { method: "POST" });
      } catch (err) {
        alert(`Cannot stop ${camId}: ${errorText(err)}`);
        return;
      }
    }
    update(ids.filter((x) => x !== camId));
  };
  return (
    <div>
      <div class="spread">
        <h1>{mode === "page" ? "Page mode" : "Inference"}</h1>
        <button type="button" class="primary" onClick={add}>Add job panel</button>
      </div>
      <p class="muted small">
        {mode === "page"
          ? "Each job detects which page (screen) the camera shows from the source's page templates and reads that page's ROIs."
          : "Each job reads the ROIs of one group (or all) of a source every interval."}
      </p>
      {jobs.error && <p class="notice error">{jobs.error}</p>}
      {ids.length === 0 && (
        <p class="empty-state">No job panels yet: “Add job panel” opens one to start a job.</p>
      )}
      <div class="wide-grid">
        {ids.map((id) => <JobPanel key={id} camId={id} mode={mode} onRemove={() => remove(id)} />)}
      </div>
    </div>
  );
}
