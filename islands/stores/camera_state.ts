/**
 * A camera's or a job's state in words a person reads: the short reason of a long ffmpeg error,
 * and what is wrong ("failed: Connection refused", "stalled since 12:03:10") — one wording for
 * every page that shows a camera.
 */

/** Camera states that give no picture although something wants one. */
const DOWN = new Set(["failed", "restarting", "stalled"]);

/** True when the camera should give frames but does not (failed, restarting, stalled). */
export function cameraDown(status: string | null | undefined): boolean {
  return DOWN.has(status ?? "");
}

/**
 * The last, most specific part of an error: ffmpeg's and the probe's messages end with the cause
 * ("…; rtsp://host/x: Connection refused" → "Connection refused"). At most 140 characters.
 */
export function shortReason(error: string | null | undefined): string {
  if (!error) return "";
  const last = error.split(/;\s+/).filter((p) => p.trim()).at(-1) ?? error;
  // "<what>: <why>" → why; a URL's "://" has no space after the colon, so it is never split.
  const parts = last.split(/:\s+/);
  const why = (parts.length > 1 ? parts.at(-1)! : last).trim();
  const text = why.length >= 4 ? why : last.trim();
  return text.length > 140 ? `${text.slice(0, 139)}…` : text;
}

/** Clock time of epoch seconds as the page shows it (HH:MM:SS, local). */
export function clockTime(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toLocaleTimeString([], { hour12: false });
}

/** What a camera state means, in words: "failed: Connection refused", "stalled since 12:03:10". */
export function cameraWords(
  status: string,
  error: string | null | undefined,
  lastFrame?: number | null,
): string {
  const why = shortReason(error);
  if (status === "stalled") {
    return lastFrame ? `stalled since ${clockTime(lastFrame)}` : `stalled${why ? `: ${why}` : ""}`;
  }
  if (status === "restarting") return why ? `retrying: ${why}` : "retrying";
  if (status === "failed") return why ? `failed: ${why}` : "failed";
  if (status === "starting") return "starting…";
  return status;
}

/** A job state word of `/api/jobs` (`waiting_for_camera: <reason>`, `no_rois`, …) split up. */
export function jobStateParts(state: string | undefined): { kind: string; reason: string } {
  if (!state) return { kind: "", reason: "" };
  const i = state.indexOf(":");
  return i < 0
    ? { kind: state.trim(), reason: "" }
    : { kind: state.slice(0, i).trim(), reason: state.slice(i + 1).trim() };
}
