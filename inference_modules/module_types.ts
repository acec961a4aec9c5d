/**
 * The contract between the worker pool and a recognition module. A module is a folder
 * `inference_modules/<name>/` with `descriptor.ts` (main thread: name, description, params schema)
 * and `engine.ts` (worker side: `createEngine`). Modules never import app state: everything they
 * need arrives in {@linkcode EngineContext}.
 */
import type { z } from "zod";

/** What a module's `text` means, so consumers (MQTT discovery, plots) can type it. */
export type ModuleOutputKind = "text" | "number" | "state" | "detections";

/** Main-thread description of a module: listed by `GET /inference_modules`, used to validate ROIs. */
export interface ModuleDescriptor {
  /** Folder name, also the ROI `module` value. */
  readonly name: string;
  /** One sentence for the UI. */
  readonly description: string;
  /** Per-ROI params (`roi.params`); parsing fills the defaults. */
  readonly params: z.ZodType<Record<string, unknown>>;
  /** What `text` holds. */
  readonly output: ModuleOutputKind;
  /** URL of the worker-side code, a module whose named export `createEngine` is a {@linkcode CreateEngine}. */
  readonly engineUrl: URL;
  /** Set when the engine reads `ReadContext.surround`; the worker copies it only then. */
  readonly surround?: boolean;
  /** What a user module's process may do beyond reading its own folder; default nothing. */
  readonly permissions?: ModulePermissions;
  /**
   * Set by the registry on modules loaded from the data dir (never by the module itself): the
   * module's real folder. Such modules run in their own process (module_process.ts).
   */
  readonly userFolder?: string;
}

/** Permissions a user module declares in its descriptor; everything not declared is denied. */
export interface ModulePermissions {
  /** Network access: `true` for any host, or `host[:port]` entries; default none. */
  readonly net?: boolean | readonly string[];
  /**
   * Files or folders beyond its own folder the module reads, relative to the data dir
   * (`models/meter.onnx`); hidden names and `..` are refused; default none.
   */
  readonly read?: readonly string[];
}

/** An RGBA image in ordinary memory: a rectified ROI crop. */
export interface RgbaImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array | Uint8ClampedArray;
}

/** A module's answer for one ROI. */
export interface ReadOutput {
  /** The reading as text (VisionROI's `text`). */
  text: string;
  /** The number the text holds, when it holds one. */
  value?: number;
  /** 0..1 where the engine reports it. */
  confidence?: number;
  /** Module-specific structured data (detections, lines, lamp measurements). */
  data?: unknown;
}

/** Per-read information besides the crop. */
export interface ReadContext {
  /** The ROI's id, for messages. */
  readonly roiId: string;
  /** The crop widened by half its size on every side (clamped to the frame), for modules that compare against surroundings. */
  readonly surround?: RgbaImage;
  /** Where the crop came from inside `surround`, in its pixels. */
  readonly surroundRect?: { x: number; y: number; width: number; height: number };
}

/** Settings a worker hands every engine it creates. */
export interface EngineContext {
  /** The initialised opencv.js module (wrapped: never returned from async code directly). */
  readonly cv: unknown;
  /** `web` (onnxruntime-web, WASM), `node` (onnxruntime-node), or `auto` (node when it loads). */
  readonly onnxBackend: "auto" | "web" | "node";
  /** Absolute path of the data dir (user models live under it). */
  readonly dataDir: string;
  /** Environment variables the module may read (API keys); never logged. */
  readonly env: Readonly<Record<string, string>>;
}

/** A warm engine inside one worker. */
export interface ModuleEngine {
  /** Reads one crop; throws an Error whose message names what went wrong. */
  read(crop: RgbaImage, params: Record<string, unknown>, ctx: ReadContext): Promise<ReadOutput>;
  /** Frees models and native memory. */
  dispose?(): Promise<void> | void;
}

/** The worker-side entry every module exports as `createEngine`. */
export type CreateEngine = (ctx: EngineContext) => Promise<ModuleEngine>;
