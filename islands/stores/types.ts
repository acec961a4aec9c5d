/** Shapes of VisionROI's answers as the browser uses them (the server's types, trimmed). */
import type { FrameResult, GroupMessage, RoiResultEntry } from "../../actors/jobs/result_bus.ts";
import type { WebhookStatusView } from "../../actors/webhooks/webhook_system.ts";
export type { PreValueView } from "../../actors/results/plausibility.ts";

export type { FrameResult, GroupMessage, RoiResultEntry };

/** A `/source_list` row. */
export interface SourceRow {
  name: string;
  source: string;
  width: number | null;
  height: number | null;
  stream_type: string;
  /** Configured frame rate; null: the source's default. */
  fps?: number | null;
  camera: { status: string; fps?: number; last_error?: string | null; restarts?: number };
}

/** An `/api/jobs` (`/inference_status`) entry. */
export interface JobStatus {
  running: boolean;
  cam_id: string;
  source: string;
  group: string | null;
  stream_health: { state: string; camera_status?: string; last_error?: string | null };
  /** `running`, `waiting_for_camera: <reason>`, `no_rois`, `failed: <reason>`, `stopped: <reason>`. */
  state?: string;
  job: {
    status: string;
    interval: number;
    result_timeout: number;
    frames_processed: number;
    last_error: string | null;
    active_group: string | null;
    group: string | null;
  } | null;
}

/** A point of an ROI, in frame pixels. */
export interface Point {
  x: number;
  y: number;
}

/** A `rois.json` entry as the editor keeps it (unknown fields are carried along). */
export interface RoiItem {
  id: string;
  type: string;
  points: Point[];
  name?: string | null;
  group?: string | null;
  module?: string | null;
  mqtt_config?: string | null;
  params?: Record<string, unknown>;
  save_crop?: boolean;
  /** Reuse the last reading while the crop looks the same (read for real at least every 10 s). */
  skip_unchanged?: boolean;
  page?: string;
  image?: string | null;
  [key: string]: unknown;
}

/** A `/api/modules` entry. */
export interface ModuleInfo {
  name: string;
  description: string;
  output: string;
  params_schema: JsonSchema;
}

/** The part of JSON Schema the module fields use. */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  enum?: unknown[];
  description?: string;
}

/** A `/mqtt_configs` entry. */
export interface MqttView {
  name: string;
  host: string;
  port: number;
  username: string;
  has_password: boolean;
  base_topic: string;
  client_id: string;
  qos: number;
  retain: boolean;
  tls: boolean;
  keepalive: number;
  publish_timeout: number;
  outbox_size?: number;
  tls_ca_file?: string;
  tls_cert_file?: string;
  tls_key_file?: string;
  tls_insecure?: boolean;
  ha_discovery?: boolean;
  ha_prefix?: string;
  control?: boolean;
  status?: { state: string; last_error: string | null; connected_at: number | null } | null;
  [key: string]: unknown;
}

/** A webhook as `GET /api/webhooks` shows it (no secret: `has_secret`), with its delivery status. */
export interface WebhookView {
  name: string;
  url: string;
  enabled: boolean;
  has_secret: boolean;
  sources: string[];
  cam_ids: string[];
  rois: string[];
  when: "every" | "changed" | "rejected" | "match";
  pattern: string;
  body: unknown;
  timeout_s: number;
  retry_initial_s: number;
  retry_max_s: number;
  queue_size: number;
  status?: WebhookStatusView | null;
}
