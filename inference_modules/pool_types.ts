/** The worker pool's public request and answer shapes. */
import type { ModuleDescriptor, RgbaImage } from "./module_types.ts";
import type { DeathPolicy } from "./module_guard.ts";

/** One ROI to read in a frame (VisionROI `rois.json` fields the pool needs). */
export interface RoiTask {
  /** The ROI's id; results carry it back. */
  id: string;
  /** Label; echoed in the result ("" when unset, as VisionROI sent it). */
  name?: string;
  /** Module name from the registry. */
  module: string;
  /** 4 corners TL, TR, BR, BL, or an `{x, y, width, height}` rectangle. */
  points: unknown;
  /** Module params; the module's schema fills defaults. */
  params?: Record<string, unknown>;
}

/** One ROI's answer; `error` set means the read failed for this ROI only. */
export interface RoiResult {
  /** The ROI's id. */
  id: string;
  /** The ROI's name. */
  name: string;
  /** Module name, as the ROI names it (an alias such as `easy_ocr` stays as it is). */
  module: string;
  /** The module that ran, when `module` is an alias of it (`rapid_ocr`). */
  engine?: string;
  /** The reading ("" on error). */
  text: string;
  /** The number the text holds, when the module reports one. */
  value?: number;
  /** 0..1 where the module reports it. */
  confidence?: number;
  /** Module-specific data (lamp measurements, detections). */
  data?: unknown;
  /** Seconds from `readFrame` to this answer, queue wait included (as VisionROI measures it). */
  duration: number;
  /** Why this ROI has no reading: `ROI "3": deadline of 5000 ms passed`. */
  error?: string;
  /** Set when the module's text passed 4 KiB (cut to it) or its data 64 KiB (dropped). */
  truncated?: boolean;
  /** The rectified crop, when `returnCrops` was set. */
  crop?: RgbaImage;
}

/** Per-call options of `readFrame`. */
export interface ReadFrameOptions {
  /** Milliseconds from the call after which an unanswered ROI answers with an error; default 10000. */
  deadlineMs?: number;
  /** `live` work is always dispatched before `batch` work; default `live`. */
  priority?: "live" | "batch";
  /** Return each ROI's rectified crop; default false. */
  returnCrops?: boolean;
  /** Called as each ROI's answer comes (its worker is free again): the job scheduler's signal. */
  onResult?: (result: RoiResult, index: number) => void;
}

/** What the pool needs from the registry. */
export interface DescriptorLookup {
  /** The descriptor of a module (or of the module an alias runs on), or undefined when none. */
  get(name: string): ModuleDescriptor | undefined;
  /** Every module (the registry has it; used to say where user modules run). */
  list?(): ModuleDescriptor[];
}

/** Construction options; every field documents its default. */
export interface WorkerPoolOptions {
  /** Module lookup (the registry). */
  registry: DescriptorLookup;
  /** Most workers; default `navigator.hardwareConcurrency` (one per core). */
  workers?: number;
  /**
   * Fewest workers; default 1. The pool adds workers up to `workers` while every worker is busy
   * and work waits, and retires them again when fewer carry the load (each holds ~90 MB of
   * opencv.js plus its engines).
   */
  minWorkers?: number;
  /** A worker idle this long is replaced by a fresh one, freeing its engines; default 300000 ms. */
  unloadAfterMs?: number;
  /** ONNX backend handed to engines; default `auto`. */
  onnxBackend?: "auto" | "web" | "node";
  /** Absolute data dir handed to engines; default `<cwd>/data_sources`. */
  dataDir?: string;
  /** Environment variables engines may read (API keys); default none. */
  env?: Record<string, string>;
  /** Modules each worker creates before it reports ready; default none (engines load lazily). */
  preload?: string[];
  /** Ping period; default 1000 ms. */
  heartbeatMs?: number;
  /** A ready worker silent this long is declared dead and replaced; default 10000 ms. */
  heartbeatTimeoutMs?: number;
  /** A worker not ready this long after spawn is replaced; default 60000 ms. */
  startTimeoutMs?: number;
  /** How long a worker may keep running a task past its deadline before it is replaced; default 5000 ms. */
  overrunMs?: number;
  /** Called with a line for each worker death or restart; default `console.warn`. */
  log?: (line: string) => void;
  /**
   * Run each user module (one with `userFolder`) in its own `deno run` process; default true
   * when the service runs under the deno CLI, false in a compiled binary (no CLI to start).
   */
  isolateUserModules?: boolean;
  /** Deaths of a user module's process that disable the module; default 3 in 60 s. */
  deathPolicy?: DeathPolicy;
  /** Clock (ms) for the death window and re-checks of a disabled module; default `performance.now`. */
  clock?: () => number;
}

/** Pool counters for the status page and metrics. */
export interface PoolStats {
  /** Workers alive (starting or ready). */
  workers: number;
  /** Workers ready to take tasks or running one. */
  ready: number;
  /** Workers running a task. */
  busy: number;
  /** Tasks waiting for a worker (live + batch). */
  queued: number;
  /** Tasks waiting, live priority. */
  queuedLive: number;
  /** Tasks answered (successes and failures). */
  tasksDone: number;
  /** Tasks answered with an error. */
  failures: number;
  /** Workers replaced after dying, hanging or failing to start. */
  restarts: number;
  /** Frame buffers posted to workers (at most one per frame per worker; never one per ROI). */
  framePosts: number;
}
