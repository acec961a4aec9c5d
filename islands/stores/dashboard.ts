/** `$dashboard`: the `/api/dashboard` payload, polled every 3 s while shown. */
import { polledStore } from "./polled.ts";

/** One camera row of the dashboard. */
export interface DashCamera {
  cam_id: string;
  source: string;
  group: string | null;
  interval: number;
  fps: number | null;
  target_fps: number | null;
  actual_fps: number | null;
  status: string;
  camera_status: string;
  camera_fps: number;
  camera_error: string | null;
  /** When the camera's newest frame arrived, epoch seconds. */
  camera_last_frame: number | null;
  /** The job's state in words (`waiting_for_camera: <reason>`, `no_rois`, …); null: no job. */
  job_state: string | null;
  last_activity: string | null;
  roi_count: number;
  modules: string[];
  inference_running: boolean;
  roi_running: boolean;
  ticks_skipped: number;
  snapshot_url: string | null;
  latest: {
    result_time: number;
    frame_duration: number;
    results: { id: string; name: string; text: string; module: string; duration: number }[];
  } | null;
}

/** The parts of the payload the home page shows. */
export interface Dashboard {
  generated_at: string;
  summary: Record<string, number>;
  cameras: DashCamera[];
  groups: { name: string; cameras: number; running: number; roi: number }[];
  alerts: { cam_id: string; result_time: number; results: { id: string; text: string }[] }[];
  roi_metrics: {
    module_details: {
      name: string;
      average_duration: number;
      max_duration: number;
      sample_count: number;
      errors: number;
    }[];
  };
  pool: { workers: number; busy: number; queued: number };
}

const polled = polledStore<Dashboard>("/api/dashboard", 3_000);

/** The dashboard store. */
export const $dashboard = polled.store;
