/**
 * Lazy loading of the two ONNX runtimes. Each is imported dynamically on first use, so a worker
 * that never asks for onnxruntime-node never loads its native addon (which needs --allow-ffi), and
 * onnxruntime-web is not even installed until a process asks for it.
 */

/** The backends a session can actually run on. */
export type OnnxRuntimeName = "web" | "node";

/** The backend setting: a runtime, or `auto` (node when it loads, else web). */
export type OnnxBackendSetting = OnnxRuntimeName | "auto";

/** The slice of onnxruntime's API (identical in -web and -node) that this layer uses. */
export interface OrtApi {
  /** Tensor constructor. */
  Tensor: new (type: "float32", data: Float32Array, dims: readonly number[]) => OrtTensor;
  /** Session factory. */
  InferenceSession: {
    create(model: Uint8Array | string, options?: Record<string, unknown>): Promise<OrtSession>;
  };
  /** Global settings (wasm threads for -web). */
  env: { wasm?: { numThreads?: number } };
}

/** An onnxruntime tensor as both runtimes return it. */
export interface OrtTensor {
  /** Element data. */
  readonly data: unknown;
  /** Shape. */
  readonly dims: readonly number[];
  /** Element type name. */
  readonly type: string;
}

/** An onnxruntime session as both runtimes return it. */
export interface OrtSession {
  /** Input names in model order. */
  readonly inputNames: readonly string[];
  /** Output names in model order. */
  readonly outputNames: readonly string[];
  /** Runs the model. */
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  /** Frees native memory. */
  release(): Promise<void>;
}

/**
 * onnxruntime-web, exact version. Not in deno.json's imports: only `--onnx-backend web` (or
 * `auto` when onnxruntime-node cannot load) needs it, and it is the second-largest package.
 */
export const ONNXRUNTIME_WEB = "npm:onnxruntime-web@1.30.0";

const loaded = new Map<OnnxRuntimeName, Promise<OrtApi>>();

async function importRuntime(name: OnnxRuntimeName): Promise<OrtApi> {
  if (name === "node") {
    const mod = await import("onnxruntime-node");
    return (mod.default ?? mod) as unknown as OrtApi;
  }
  // A computed specifier: Deno installs a literal one with every `deno run`; this way the 139 MB
  // package is fetched (once, into node_modules) only when a process actually uses it.
  const specifier = [ONNXRUNTIME_WEB][0];
  const mod = await import(specifier);
  const ort = (mod.default ?? mod) as unknown as OrtApi;
  // One worker per core already uses the cores; wasm threads would only spin against them.
  if (ort.env.wasm) ort.env.wasm.numThreads = 1;
  return ort;
}

/** Returns the runtime's API, importing it on first use; a failed import is retried next time. */
export function loadOnnxRuntime(name: OnnxRuntimeName): Promise<OrtApi> {
  let p = loaded.get(name);
  if (!p) {
    p = importRuntime(name);
    loaded.set(name, p);
    // The caller still gets the rejection; this only lets the next call try the import again.
    p.catch(() => loaded.delete(name));
  }
  return p;
}

/** The runtime `auto` picks here, and why it is not node when it is not. */
export interface ResolvedRuntime {
  /** The runtime that loaded. */
  readonly name: OnnxRuntimeName;
  /** Its API. */
  readonly ort: OrtApi;
  /** Why `auto` fell back to web (the node import error), when it did. */
  readonly fallbackReason?: string;
}

/** Resolves a backend setting to a loaded runtime; `auto` tries node first, then web. */
export async function resolveOnnxRuntime(setting: OnnxBackendSetting): Promise<ResolvedRuntime> {
  if (setting !== "auto") return { name: setting, ort: await loadOnnxRuntime(setting) };
  try {
    return { name: "node", ort: await loadOnnxRuntime("node") };
  } catch (err) {
    const reason = `onnxruntime-node did not load (${
      (err as Error).message ?? err
    }); using onnxruntime-web`;
    return { name: "web", ort: await loadOnnxRuntime("web"), fallbackReason: reason };
  }
}
