/** What every route module receives: the running system, never module-level state. */
import type { Config } from "../config.ts";
import type { CameraSystem } from "../actors/cameras/camera_system.ts";
import type { StreamSessions } from "../actors/cameras/stream_sessions.ts";
import type { SourceStore } from "../storage/source_store.ts";
import type { DesiredState } from "../actors/state/desired_state.ts";
import type { AccessPolicy } from "./auth.ts";
import type { JobSystem } from "../actors/jobs/job_system.ts";
import type { ResultBus } from "../actors/jobs/result_bus.ts";
import type { ModuleRegistry } from "../inference_modules/registry.ts";
import type { WorkerPool } from "../inference_modules/worker_pool.ts";
import type { BatchSystem } from "../actors/batch/batch_system.ts";
import type { MqttSystem } from "../actors/mqtt/mqtt_system.ts";
import type { WebhookSystem } from "../actors/webhooks/webhook_system.ts";
import type { Plausibility } from "../actors/results/plausibility.ts";
import type { ClusterNode } from "../actors/cluster/cluster_node.ts";

/** Handles on the running system that routes send messages to or read snapshots from. */
export interface AppContext {
  /** Validated settings. */
  config: Config;
  /** Source folders (reads; writes go through `state`). */
  sources: SourceStore;
  /** The desired state: every write of sources, ROI sets and jobs goes through it. */
  state: DesiredState;
  /** Cameras under supervision. */
  cameras: CameraSystem;
  /** cam_id sessions (preview streams, later jobs). */
  sessions: StreamSessions;
  /** Inference jobs. */
  jobs: JobSystem;
  /** Result fan-out. */
  bus: ResultBus;
  /** Recognition modules. */
  modules: ModuleRegistry;
  /** ROI workers. */
  pool: WorkerPool;
  /** Batch tasks and the results database. */
  batch: BatchSystem;
  /** MQTT connections (one actor per config). */
  mqtt: MqttSystem;
  /** Webhooks (one sender actor and on-disk queue per hook). */
  webhooks: WebhookSystem;
  /** Plausibility rules: PreValues and last statuses per ROI. */
  plausibility: Plausibility;
  /** Cluster mode (`--nats`): this node's membership. */
  cluster?: ClusterNode;
  /** Graceful shutdown: actors stop newest first, no ffmpeg child left; then the process exits. */
  shutdown: () => Promise<void>;
  /** Who may call (mod.ts loads it); absent → derived from config, token-less (fails closed). */
  auth?: AccessPolicy;
}
