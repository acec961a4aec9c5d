/** One inference job panel: settings, start/stop, live video, ROI cards, page scores (page mode) and the log. */
import { useEffect, useState } from "preact/hooks";
import { useStore } from "../stores/use_store.ts";
import { $jobs, refreshJobs } from "../stores/jobs.ts";
import { $sources } from "../stores/sources.ts";
import { resultsStore } from "../stores/results.ts";
import { api, errorText } from "../stores/api.ts";
import { loadSettings, type PanelSettings, saveSettings } from "../stores/panel_settings.ts";
import { JobForm } from "./JobForm.tsx";
import { LiveVideo } from "./LiveVideo.tsx";
import { RoiCards } from "./RoiCards.tsx";
import { LogTail } from "./LogTail.tsx";
import { StatusBadge } from "./StatusBadge.tsx";
import { type Note, Notice } from "./Notice.tsx";
import {
  cameraProblem,
  jobProblem,
  Problem,
  type ProblemAction,
  sourceActions,
} from "./Problem.tsx";
import { cameraDown, cameraWords, jobStateParts } from "../stores/camera_state.ts";

/** Props of {@linkcode JobPanel}. */
export interface JobPanelProps {
  camId: string;
  mode: "group" | "page";
  onRemove(): void;
}

/** The body `/start_inference` gets from a panel. */
export function startBody(s: PanelSettings, mode: "group" | "page") {
  const base = { name: s.source, interval: s.interval, result_timeout: s.result_timeout };
  return mode === "page"
    ? { ...base, group: null, draw_page_boxes: true }
    : { ...base, group: s.group || "all" };
}

/** Live part of a running job: results (and page detection), video, log. */
function Running(
  { camId, mode, source, down }: {
    camId: string;
    mode: "group" | "page";
    source: string;
    down?: string;
  },
) {
  const r = useStore(resultsStore(camId));
  const page = mode === "page" ? r.group?.group || r.latest?.group : undefined;
  return (
    <div class="stack">
      <LiveVideo camId={camId} down={down} />
      {mode === "page" && (
        <div class="stack">
          <div class="row">
            Current page <span class="chip">{page || "none detected"}</span>
          </div>
          {r.group?.scores.length
            ? (
              <table class="small">
                <thead>
                  <tr>
                    <th>Page</th>
                    <th>Score</th>
                  </tr>
                </thead>
                <tbody>
                  {r.group.scores.map((s) => (
                    <tr key={s.page}>
                      <td>{s.page}</td>
                      <td>{s.score.toFixed(2)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )
            : null}
        </div>
      )}
      <div class="row small muted">
        results <StatusBadge state={r.state} title={r.detail} />
      </div>
      <RoiCards
        results={r.latest?.results ?? []}
        group={mode === "page" && page && page !== "all" ? page : undefined}
        empty={down ? `No results: camera ${down}.` : undefined}
      />
      <LogTail source={source} />
    </div>
  );
}

/** Start or Stop, Close panel, and the frame count. */
function Controls(
  { running, busy, canStart, frames, act, onRemove }: {
    running: boolean;
    busy: boolean;
    canStart: boolean;
    frames: number;
    act(what: "start" | "stop"): void;
    onRemove(): void;
  },
) {
  return (
    <div class="row" style="margin:.6rem 0">
      {running
        ? (
          <button type="button" class="danger" disabled={busy} onClick={() => act("stop")}>
            Stop
          </button>
        )
        : (
          <button
            type="button"
            class="primary"
            disabled={busy || !canStart}
            onClick={() => act("start")}
          >
            Start
          </button>
        )}
      <button type="button" onClick={onRemove}>Close panel</button>
      {running && <span class="muted small">{frames} frames read</span>}
    </div>
  );
}

/** The panel. */
export function JobPanel({ camId, mode, onRemove }: JobPanelProps) {
  const jobs = useStore($jobs);
  const sources = useStore($sources);
  const [settings, setSettings] = useState<PanelSettings>(() => loadSettings(camId));
  const [note, setNote] = useState<Note>(null);
  const [busy, setBusy] = useState(false);
  const status = jobs.data?.find((j) => j.cam_id === camId);
  const running = status?.running === true;

  useEffect(() => {
    // A job started elsewhere (or before a reload) shows its own settings.
    if (running && status?.source && status.source !== settings.source) {
      setSettings((s) => ({
        ...s,
        source: status.source,
        interval: status.job?.interval ?? s.interval,
        group: status.group || s.group,
      }));
    }
  }, [running, status?.source]);
  const change = (s: PanelSettings) => {
    setSettings(s);
    saveSettings(camId, s);
  };
  const act = async (what: "start" | "stop") => {
    setBusy(true);
    try {
      const path = `/${what}_inference/${encodeURIComponent(camId)}`;
      const ans = await api<{ status: string }>(path, {
        method: "POST",
        body: what === "start" ? startBody(settings, mode) : undefined,
      });
      setNote({ kind: "ok", text: `${camId}: ${ans.status}` });
    } catch (err) {
      setNote({ kind: "error", text: `Cannot ${what} ${camId}: ${errorText(err)}` });
    } finally {
      setBusy(false);
      await refreshJobs();
    }
  };
  const health = status?.stream_health;
  const camStatus = running ? health?.camera_status : undefined;
  const down = camStatus && cameraDown(camStatus)
    ? cameraWords(camStatus, health?.last_error)
    : undefined;
  const problem =
    (camStatus ? cameraProblem({ status: camStatus, error: health?.last_error }) : null) ??
      jobProblem(status?.state);
  const kind = jobStateParts(status?.state).kind;
  const source = status?.source || settings.source;
  // A retrying camera tries again by itself; one that gave up (failed) is opened again by
  // restarting its job, and a stopped or failed job is started again.
  const retry = async () => {
    if (running) await act("stop");
    await act("start");
  };
  const actions: ProblemAction[] = [
    ...sourceActions(source),
    ...(running && camStatus !== "failed"
      ? []
      : [{ label: running ? "Retry" : "Start again", onClick: () => void retry() }]),
  ];
  return (
    <section class="card job-panel" data-cam={camId}>
      <div class="spread">
        <h2 class="mono">{camId}</h2>
        <div class="row">
          <StatusBadge
            state={running ? (kind === "waiting_for_camera" ? "waiting" : "running") : "stopped"}
          />
          {health && running && !problem && (
            <StatusBadge state={health.state} title={health.last_error} />
          )}
        </div>
      </div>
      <Notice note={note} />
      {problem && (
        <div class="job-state">
          <Problem problem={problem} actions={actions} />
        </div>
      )}
      {status?.job?.last_error && <p class="notice error">{status.job.last_error}</p>}
      <JobForm
        camId={camId}
        mode={mode}
        sources={sources.data ?? []}
        value={settings}
        disabled={running || busy}
        onChange={change}
      />
      <Controls
        running={running}
        busy={busy}
        canStart={!!settings.source}
        frames={status?.job?.frames_processed ?? 0}
        act={act}
        onRemove={onRemove}
      />
      {running && <Running camId={camId} mode={mode} source={source} down={down} />}
    </section>
  );
}
