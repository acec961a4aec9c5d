/** What every route module receives: the running system, never module-level state. */
import type { Config } from "../config.ts";
import type { CameraSystem } from "../actors/camera_system.ts";
import type { StreamSessions } from "../actors/stream_sessions.ts";
import type { SourceStore } from "../storage/source_store.ts";

/** Handles on the running system that routes send messages to or read snapshots from. */
export interface AppContext {
  /** Validated settings. */
  config: Config;
  /** Source folders. */
  sources: SourceStore;
  /** Cameras under supervision. */
  cameras: CameraSystem;
  /** cam_id sessions (preview streams, later jobs). */
  sessions: StreamSessions;
  /** Graceful shutdown: actors stop newest first, no ffmpeg child left; then the process exits. */
  shutdown: () => Promise<void>;
}
