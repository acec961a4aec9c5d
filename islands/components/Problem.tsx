/**
 * What went wrong with a camera or a job, where people look: the state in words, the short
 * reason, the full message on demand, and the ways forward (edit source, retry, ROI editor).
 */
import { cameraDown, cameraWords, jobStateParts, shortReason } from "../stores/camera_state.ts";

/** A way forward: a link or a button. */
export interface ProblemAction {
  label: string;
  href?: string;
  onClick?(): void;
}

/** A problem to show. */
export interface ProblemInfo {
  /** "bad" for failures, "warn" for what may pass (retrying, stalled, no ROIs). */
  tone: "bad" | "warn";
  /** The state in words: "Camera failed: Connection refused". */
  title: string;
  /** The whole message (ffmpeg's text), shown under "Details". */
  detail?: string | null;
}

/** Links to a source's form row and its ROI editor. */
export function sourceActions(source: string): ProblemAction[] {
  if (!source) return [{ label: "Sources", href: "/create_source" }];
  const q = encodeURIComponent(source);
  return [
    { label: "Edit source", href: `/create_source?source=${q}` },
    { label: "Open ROI editor", href: `/roi?source=${q}` },
  ];
}

/** The problem of a camera that should give frames but does not; null when it is fine. */
export function cameraProblem(
  cam: { status: string; error?: string | null; lastFrame?: number | null },
): ProblemInfo | null {
  if (!cameraDown(cam.status)) return null;
  const words = cameraWords(cam.status, cam.error, cam.lastFrame);
  return {
    tone: cam.status === "failed" ? "bad" : "warn",
    title: `Camera ${words}`,
    detail: cam.error && cam.error !== shortReason(cam.error) ? cam.error : null,
  };
}

/** The problem of a job from its state word (`waiting_for_camera: …`, `no_rois`, `failed: …`). */
export function jobProblem(state: string | undefined): ProblemInfo | null {
  const { kind, reason } = jobStateParts(state);
  const why = shortReason(reason);
  const detail = reason && reason !== why ? reason : null;
  if (kind === "waiting_for_camera") {
    return { tone: "warn", title: `Waiting for the camera: ${why || "no frame yet"}`, detail };
  }
  if (kind === "no_rois") {
    return { tone: "warn", title: "No ROIs: this job has nothing to read. Draw ROIs first." };
  }
  if (kind === "failed") return { tone: "bad", title: `Job failed: ${why}`, detail };
  if (kind === "stopped" && reason === "source deleted") {
    return { tone: "bad", title: "Stopped: its source was deleted." };
  }
  return null;
}

/** The box. */
export function Problem(
  { problem, actions }: { problem: ProblemInfo; actions: ProblemAction[] },
) {
  return (
    <div class={`problem ${problem.tone}`} role="status">
      <b class="problem-title">{problem.title}</b>
      {problem.detail && (
        <details class="small">
          <summary>Details</summary>
          <span class="mono">{problem.detail}</span>
        </details>
      )}
      {actions.length > 0 && (
        <div class="row">
          {actions.map((a) =>
            a.href
              ? <a key={a.label} class="button" href={a.href}>{a.label}</a>
              : <button key={a.label} type="button" onClick={a.onClick}>{a.label}</button>
          )}
        </div>
      )}
    </div>
  );
}

/** A frame-sized placeholder where a picture would be: never a broken image. */
export function NoPicture({ words, class: cls = "thumb" }: { words: string; class?: string }) {
  return (
    <div class={`${cls} no-picture`} role="img" aria-label={`no picture: ${words}`}>
      <span>No picture</span>
      <small>{words}</small>
    </div>
  );
}
