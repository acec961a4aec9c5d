/**
 * Messages between the worker pool (main thread) and each inference worker. Every request that
 * expects an answer carries an id; both directions are discriminated unions on `type`.
 */
import type { ReadOutput, RgbaImage } from "./module_types.ts";
import type { Quad, RoiRect } from "./roi_polygon.ts";
import type { DetectPagesOptions, PageMatch, PageTemplate } from "./page_types.ts";

/** First message to a fresh worker: everything engines may need (modules never import app state). */
export interface InitRequest {
  /** Discriminant. */
  type: "init";
  /** The pool's number for this worker, for log lines. */
  workerId: number;
  /** ONNX backend setting handed to engines. */
  onnxBackend: "auto" | "web" | "node";
  /** Absolute data dir. */
  dataDir: string;
  /** Environment variables engines may read. */
  env: Record<string, string>;
  /** Engines to create before reporting ready: `[module name, engine URL]`. */
  preload: [string, string][];
}

/** A frame's pixels, posted once per frame per worker; the buffer is shared, not copied. */
export interface FrameMessage {
  /** Discriminant. */
  type: "frame";
  /** Pool-wide frame number that later `read` requests refer to. */
  frameId: number;
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** RGBA pixels. */
  buffer: SharedArrayBuffer;
  /** Where the pixels start inside `buffer`. */
  byteOffset: number;
}

/** Read one ROI of a frame the worker already holds. */
export interface ReadRequest {
  /** Discriminant. */
  type: "read";
  /** Answer id. */
  taskId: number;
  /** A frame sent earlier with {@linkcode FrameMessage}. */
  frameId: number;
  /** The ROI's id, for messages. */
  roiId: string;
  /** Module name. */
  module: string;
  /** The module's worker-side code. */
  engineUrl: string;
  /** Validated corners, TL, TR, BR, BL. */
  quad: Quad;
  /** Params already parsed by the module's schema. */
  params: Record<string, unknown>;
  /** Compute `ReadContext.surround` for this module. */
  surround: boolean;
  /** Send the crop back with the answer. */
  wantCrop: boolean;
}

/** The pool is done with a frame: the worker drops its pixels and Mat. */
export interface ReleaseFrame {
  /** Discriminant. */
  type: "release";
  /** The frame to drop. */
  frameId: number;
}

/** Heartbeat probe. */
export interface Ping {
  /** Discriminant. */
  type: "ping";
  /** Echoed in the pong. */
  seq: number;
}

/** Find page templates in a frame the worker already holds (`WorkerPool.detectPages`). */
export interface DetectPagesRequest {
  /** Discriminant. */
  type: "detect_pages";
  /** Answer id. */
  taskId: number;
  /** A frame sent earlier with {@linkcode FrameMessage}. */
  frameId: number;
  /** The pages to score, in order. */
  pages: PageTemplate[];
  /** Matching settings. */
  options: Omit<DetectPagesOptions, "deadlineMs">;
}

/** Cut one ROI out of a held frame without running a module (the first step of a user-module read). */
export interface CropRequest {
  /** Discriminant. */
  type: "crop";
  /** Answer id. */
  taskId: number;
  /** A frame sent earlier with {@linkcode FrameMessage}. */
  frameId: number;
  /** Validated corners, TL, TR, BR, BL. */
  quad: Quad;
  /** Also copy the widened surroundings. */
  surround: boolean;
}

/** Everything the pool sends a worker. */
export type ToWorker =
  | InitRequest
  | FrameMessage
  | ReadRequest
  | CropRequest
  | DetectPagesRequest
  | ReleaseFrame
  | Ping;

/** The worker loaded opencv (and its preloads) and warmed up. */
export interface Ready {
  /** Discriminant. */
  type: "ready";
  /** Milliseconds from init to ready. */
  initMs: number;
  /** Preloads that failed (the worker serves anyway; those modules retry on first use). */
  problems: string[];
}

/** Init failed; the pool replaces the worker. */
export interface InitFailed {
  /** Discriminant. */
  type: "init_failed";
  /** Why. */
  message: string;
}

/** A read that produced an output. */
export interface ReadDone {
  /** Discriminant. */
  type: "result";
  /** The request's id. */
  taskId: number;
  /** Success marker. */
  ok: true;
  /** The module's answer. */
  output: ReadOutput;
  /** Milliseconds inside the worker, warp included. */
  workMs: number;
  /** The rectified crop when asked for. */
  crop?: RgbaImage;
  /** Set when text or data passed the limits of output_limits.ts and was cut. */
  truncated?: boolean;
}

/** A read that failed for this ROI only. */
export interface ReadFailed {
  /** Discriminant. */
  type: "result";
  /** The request's id. */
  taskId: number;
  /** Failure marker. */
  ok: false;
  /** What went wrong, without the ROI prefix. */
  message: string;
  /** Milliseconds inside the worker. */
  workMs: number;
}

/** Heartbeat answer. */
export interface Pong {
  /** Discriminant. */
  type: "pong";
  /** The ping's seq. */
  seq: number;
}

/** The answer to a {@linkcode DetectPagesRequest}: every page's match, or why none could be made. */
export interface PagesDone {
  /** Discriminant. */
  type: "pages";
  /** The request's id. */
  taskId: number;
  /** One match per requested page, in order (absent when `message` says why not). */
  matches?: PageMatch[];
  /** What went wrong (decode, OpenCV), when it did. */
  message?: string;
  /** Milliseconds inside the worker. */
  workMs: number;
}

/** The answer to a {@linkcode CropRequest}: the crop (and surroundings), or why none was made. */
export interface CropDone {
  /** Discriminant. */
  type: "crop";
  /** The request's id. */
  taskId: number;
  /** The rectified crop (absent when `message` says why not). */
  crop?: RgbaImage;
  /** The widened surroundings, when asked for. */
  surround?: RgbaImage;
  /** Where the crop sits inside `surround`. */
  surroundRect?: RoiRect;
  /** What went wrong. */
  message?: string;
}

/** Sent by a worker's patched `Deno.exit`/`close` just before it ends, so the pool need not wait for heartbeats. */
export interface Exiting {
  /** Discriminant. */
  type: "exiting";
  /** `Deno.exit(3)` or `close()`. */
  how: string;
}

/**
 * Sent when a worker starts or ends loading something that blocks it for a while (opencv.js on its
 * first task, a module's engine): the pool then gives it the start timeout, not the heartbeat one.
 */
export interface Loading {
  /** Discriminant. */
  type: "loading";
  /** True when it starts, false when done. */
  busy: boolean;
}

/** Everything a worker sends the pool. */
export type FromWorker =
  | Ready
  | Loading
  | InitFailed
  | ReadDone
  | ReadFailed
  | CropDone
  | PagesDone
  | Pong
  | Exiting;

/**
 * First message to a user module's process (module_host.ts): the one module it serves and what its
 * engine receives.
 */
export interface ProcessInit {
  /** Discriminant. */
  type: "init";
  /** Module name. */
  module: string;
  /** The module's engine. */
  engineUrl: string;
  /** ONNX backend setting handed to the engine. */
  onnxBackend: "auto" | "web" | "node";
  /** Absolute data dir. */
  dataDir: string;
  /** Environment variables the engine may read. */
  env: Record<string, string>;
}

/** An image's size in a message whose pixels travel as the binary part. */
export interface PixelsHeader {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
}

/** Read one crop in a module process; the binary part holds the crop's RGBA, then the surroundings'. */
export interface ProcessRead {
  /** Discriminant. */
  type: "read";
  /** Answer id. */
  taskId: number;
  /** The ROI's id, for messages. */
  roiId: string;
  /** Params already parsed by the module's schema. */
  params: Record<string, unknown>;
  /** The crop's size (pixels first in the binary part). */
  crop: PixelsHeader;
  /** The surroundings' size (pixels after the crop's), when the module reads them. */
  surround?: PixelsHeader;
  /** Where the crop sits inside the surroundings. */
  surroundRect?: RoiRect;
}

/** Everything the pool sends a module process. */
export type ToModuleProcess = ProcessInit | ProcessRead | Ping;

/** A module process's answer to a read; its output is already within the limits. */
export type ProcessReadAnswer = Omit<ReadDone, "crop"> | ReadFailed;

/** Everything a module process sends the pool. */
export type FromModuleProcess = Ready | InitFailed | ProcessReadAnswer | Pong;
