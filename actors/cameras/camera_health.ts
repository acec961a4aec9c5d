/** What a cam_id's camera is doing, as status answers show it: state, reason, and whether it is up. */

/** What health needs of a camera's view (the camera system's `CameraView` has it). */
export interface CameraStateView {
  status: string;
  lastError: string | null;
  /** Capture time of the newest frame, ms since the epoch. */
  lastFrameTime?: number | null;
}

/** The camera fields added to `/inference_status` and the dashboard's camera rows. */
export interface CameraHealth {
  /** The camera the cam_id uses (`cap_…`), or null when it has none. */
  camera_id: string | null;
  /** starting, live, stalled, restarting, failed or stopped. */
  camera_status: string;
  /** Why it last failed; null when it never did. */
  camera_error: string | null;
  /** Frames arrive: the camera is live. A failed, restarting or stalled camera is not online. */
  camera_online: boolean;
  /** When the newest frame arrived, epoch seconds (a stalled camera: since when); null: none yet. */
  camera_last_frame: number | null;
}

/** The health of a camera view (undefined: no camera). */
export function cameraHealth(
  id: string | undefined,
  view: CameraStateView | undefined,
): CameraHealth {
  return {
    camera_id: view ? id ?? null : null,
    camera_status: view?.status ?? "stopped",
    camera_error: view?.lastError ?? null,
    camera_online: view?.status === "live",
    camera_last_frame: view?.lastFrameTime ? view.lastFrameTime / 1000 : null,
  };
}
