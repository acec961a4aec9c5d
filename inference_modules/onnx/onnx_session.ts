/**
 * One ONNX session interface over onnxruntime-web and onnxruntime-node, chosen by the
 * `onnxBackend` setting. Sessions are cached per model path, backend and thread count in the
 * calling isolate (so once per worker).
 */
import { readOnnxMetadata, readOnnxMetadataFile } from "./onnx_metadata.ts";
import {
  type OnnxBackendSetting,
  type OnnxRuntimeName,
  type OrtApi,
  type OrtSession,
  type OrtTensor,
  resolveOnnxRuntime,
} from "./runtime_loader.ts";

/** A float32 tensor going into or coming out of a model. */
export interface FloatTensor {
  /** Elements, row-major. */
  readonly data: Float32Array;
  /** Shape. */
  readonly dims: readonly number[];
}

/** A loaded model, whichever runtime runs it. */
export interface OnnxSession {
  /** The runtime that runs it. */
  readonly backend: OnnxRuntimeName;
  /** Why `auto` chose web, when it did. */
  readonly fallbackReason?: string;
  /** Input names in model order. */
  readonly inputNames: readonly string[];
  /** Output names in model order. */
  readonly outputNames: readonly string[];
  /** The model's `metadata_props` (PaddleOCR's `character` dictionary, YOLO's `names`). */
  readonly metadata: Readonly<Record<string, string>>;
  /** Runs the model; calls on one session are serialised (onnxruntime-web refuses overlapping runs). */
  run(feeds: Record<string, FloatTensor>): Promise<Record<string, FloatTensor>>;
  /** Frees native memory and drops the session from the cache. */
  release(): Promise<void>;
}

/** Options of {@linkcode createOnnxSession}. */
export interface OnnxSessionOptions {
  /** Which runtime: `auto` (default) prefers onnxruntime-node and falls back to onnxruntime-web. */
  backend?: OnnxBackendSetting;
  /** Intra-op threads for onnxruntime-node (default 1: the pool already runs one worker per core). */
  threads?: number;
  /** Cache the session by path (default true; sessions from bytes are never cached). */
  cache?: boolean;
}

/** Raised when a model file cannot be read or a runtime refuses it. */
export class ModelLoadError extends Error {
  /** Builds the error; `cause` keeps the runtime's error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ModelLoadError";
  }
}

const cache = new Map<string, Promise<OnnxSession>>();

function toFloat(t: OrtTensor, name: string): FloatTensor {
  if (!(t.data instanceof Float32Array)) {
    throw new TypeError(`ONNX output ${name} is ${t.type}, expected float32`);
  }
  return { data: t.data, dims: [...t.dims] };
}

function wrap(
  ort: OrtApi,
  session: OrtSession,
  info: { backend: OnnxRuntimeName; fallbackReason?: string; metadata: Record<string, string> },
  onRelease: () => void,
): OnnxSession {
  let queue: Promise<unknown> = Promise.resolve();
  const runOnce = async (feeds: Record<string, FloatTensor>) => {
    const tensors: Record<string, OrtTensor> = {};
    for (const [k, v] of Object.entries(feeds)) {
      tensors[k] = new ort.Tensor("float32", v.data, v.dims);
    }
    const out = await session.run(tensors);
    const result: Record<string, FloatTensor> = {};
    for (const [k, v] of Object.entries(out)) result[k] = toFloat(v, k);
    return result;
  };
  return {
    ...info,
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    run(feeds) {
      const next = queue.then(() => runOnce(feeds));
      queue = next.then(() => undefined, () => undefined);
      return next;
    },
    async release() {
      onRelease();
      await session.release();
    },
  };
}

async function load(model: string | Uint8Array, opts: OnnxSessionOptions, onRelease: () => void) {
  const label = typeof model === "string" ? model : `<${model.byteLength} bytes>`;
  const rt = await resolveOnnxRuntime(opts.backend ?? "auto");
  // onnxruntime-node reads a model file itself: a copy in JavaScript would cost its size again in
  // every worker (7.7 MB for the text recogniser) and leave malloc's threshold raised.
  const byPath = typeof model === "string" && rt.name === "node";
  let bytes: Uint8Array | undefined;
  let metadata: Record<string, string>;
  try {
    if (byPath) metadata = await readOnnxMetadataFile(model);
    else {
      bytes = typeof model === "string" ? await Deno.readFile(model) : model;
      metadata = readOnnxMetadata(bytes);
    }
  } catch (err) {
    throw new ModelLoadError(`Cannot read ONNX model ${label}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const options = rt.name === "node"
    ? { intraOpNumThreads: opts.threads ?? 1, interOpNumThreads: 1 }
    : {};
  let session: OrtSession;
  try {
    session = bytes
      ? await rt.ort.InferenceSession.create(bytes, options)
      : await rt.ort.InferenceSession.create(model, options);
  } catch (err) {
    const msg = (err as Error).message ?? String(err);
    throw new ModelLoadError(`onnxruntime-${rt.name} cannot load ${label}: ${msg}`, { cause: err });
  }
  return wrap(
    rt.ort,
    session,
    { backend: rt.name, fallbackReason: rt.fallbackReason, metadata },
    onRelease,
  );
}

/** Loads a model (a file path or its bytes) on the chosen backend; cached per path in this isolate. */
export function createOnnxSession(
  model: string | Uint8Array,
  opts: OnnxSessionOptions = {},
): Promise<OnnxSession> {
  const cacheable = typeof model === "string" && opts.cache !== false;
  if (!cacheable) return load(model, opts, () => {});
  const key = `${opts.backend ?? "auto"}|${opts.threads ?? 1}|${model}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const p = load(model, opts, () => cache.delete(key));
  cache.set(key, p);
  // The caller still gets the rejection; this only keeps a failed load out of the cache.
  p.catch(() => cache.delete(key));
  return p;
}
