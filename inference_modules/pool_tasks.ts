/** The pool's in-flight work: ROI reads, page detections and the worker slots that run them. */
import type { ModuleDescriptor } from "./module_types.ts";
import type { RoiResult, RoiTask } from "./pool_types.ts";
import type { Quad } from "./roi_polygon.ts";
import type { FrameRef as SharedRef } from "./frame_refs.ts";
import type { DetectPagesOptions, PageMatch, PageTemplate } from "./page_types.ts";
import type { ModuleProcess, ProcessJob } from "./module_process.ts";

/** A timer handle. */
export type Timer = ReturnType<typeof setTimeout>;

/** A frame as the pool tracks it, held by worker slots. */
export type FrameRef = SharedRef<Slot>;

/** One Web Worker and what it is doing. */
export interface Slot {
  /** Pool-wide worker number. */
  id: number;
  /** The worker. */
  worker: Worker;
  /** Reported ready (opencv.js loads with its first task). */
  ready: boolean;
  /** Retired; late messages are ignored. */
  dead: boolean;
  /** When it was started (performance.now). */
  spawnedAt: number;
  /** When it last said anything. */
  lastSeen: number;
  /** The ROI read (or crop) it runs. */
  task?: Task;
  /** The page detection it runs. */
  pageTask?: PageTask;
  /** Replaces the worker when it keeps running past a deadline. */
  overrunTimer?: Timer;
  /** Since when it runs a task (performance.now), while it does. */
  busyFrom?: number;
  /** Busy ms of finished tasks in the current heartbeat. */
  busyMs?: number;
  /** When it last finished a task (or started). */
  lastWorkAt?: number;
  /** Since when it loads something that may block it (opencv.js, an engine). */
  loadingSince?: number;
  /** When it last finished loading something. */
  loadedAt?: number;
  /** Ran a task at least once (so it holds opencv.js and engines). */
  used?: boolean;
}

/** A page detection request. */
export interface PageTask {
  id: number;
  ref: FrameRef;
  pages: PageTemplate[];
  options: Omit<DetectPagesOptions, "deadlineMs">;
  deadlineMs: number;
  settled: boolean;
  timer?: Timer;
  slot?: Slot;
  resolve(matches: PageMatch[]): void;
  reject(error: Error): void;
}

/** One ROI read. A user module's read is a crop on a worker, then a job in its module process. */
export interface Task {
  id: number;
  roi: RoiTask;
  name: string;
  quad: Quad;
  descriptor: ModuleDescriptor;
  params: Record<string, unknown>;
  ref: FrameRef;
  priority: "live" | "batch";
  deadlineMs: number;
  wantCrop: boolean;
  startedAt: number;
  settled: boolean;
  timer?: Timer;
  slot?: Slot;
  /** The user module's process, when the module runs in one. */
  host?: ModuleProcess;
  /** The job handed to `host` once the crop is cut. */
  job?: ProcessJob;
  resolve(result: RoiResult): void;
}
