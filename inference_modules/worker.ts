/**
 * One inference worker: loads opencv.js on its first task (about 50 MB of RSS per worker, so an
 * idle worker holds none), creates module engines lazily (by engine URL), holds
 * the frames the pool posted (shared memory, one Mat per frame), and answers read requests.
 * Anything thrown while reading becomes that ROI's `ReadFailed`; only a crash of the worker itself
 * (an engine's stray timer, `Deno.exit`) ends it, and the pool replaces it.
 */
import { type Cv, cvErrorMessage, loadCv } from "./cv_loader.ts";
import type { CreateEngine, EngineContext, ModuleEngine, ReadContext } from "./module_types.ts";
import type {
  CropRequest,
  DetectPagesRequest,
  FromWorker,
  InitRequest,
  ReadRequest,
  ToWorker,
} from "./protocol.ts";
import { cropRoi, type FramePixels, frameToMat } from "./roi_crop.ts";
import { matchPages } from "./page_matcher.ts";
import { TemplateCache } from "./page_templates.ts";
import { limitOutput } from "./output_limits.ts";
import { noteSharedBytes } from "../actors/runtime/shared_memory.ts";

/** Frame bytes received between two collections in this worker. */
const WORKER_RECLAIM_BYTES = 12 * 1024 * 1024;

interface HeldFrame {
  pixels: FramePixels;
  mat?: Cv;
}

interface WorkerScope {
  onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
}

const scope = self as unknown as WorkerScope;

// Deno gives the pool no event when a worker exits or closes itself; say so first, so its ROI
// fails at once instead of at the next missed heartbeat.
const realExit = Deno.exit;
Object.defineProperty(Deno, "exit", {
  configurable: true,
  value: (code?: number) => {
    post({ type: "exiting", how: `Deno.exit(${code ?? ""})` });
    return realExit(code);
  },
});
const realClose = self.close.bind(self);
self.close = () => {
  post({ type: "exiting", how: "close()" });
  realClose();
};
const frames = new Map<number, HeldFrame>();
const engines = new Map<string, Promise<ModuleEngine>>();
let cv: Cv;
let cvLoading: Promise<void> | undefined;
let engineContext: EngineContext | undefined;
let settings: InitRequest | undefined;
let templates: TemplateCache | undefined;

function post(message: FromWorker, transfer: Transferable[] = []): void {
  scope.postMessage(message, transfer);
}

function errorText(e: unknown): string {
  return cv ? cvErrorMessage(cv, e) : e instanceof Error ? e.message : String(e);
}

async function init(msg: InitRequest): Promise<void> {
  const started = performance.now();
  try {
    settings = msg;
    // opencv.js loads with the first task; a preload asks for it now.
    if (msg.preload.length) await ensureCv();
    const problems: string[] = [];
    for (const [name, url] of msg.preload) {
      await engineFor(name, url).catch((e: Error) => problems.push(e.message));
    }
    post({ type: "ready", initMs: performance.now() - started, problems });
  } catch (e) {
    post({ type: "init_failed", message: errorText(e) });
  }
}

/** Loads opencv.js (once) and the engine context that carries it. */
function ensureCv(): Promise<void> {
  cvLoading ??= (async () => {
    post({ type: "loading", busy: true });
    try {
      cv = (await loadCv()).cv;
      const o = settings!;
      engineContext = { cv, onnxBackend: o.onnxBackend, dataDir: o.dataDir, env: o.env };
      warmUpWarp();
    } finally {
      post({ type: "loading", busy: false });
    }
  })();
  // A failed load is retried by the next task.
  cvLoading.catch(() => (cvLoading = undefined));
  return cvLoading;
}

/** One small warp so the first real ROI does not pay for wasm code paths warming up. */
function warmUpWarp(): void {
  const pixels = { width: 8, height: 8, data: new Uint8Array(8 * 8 * 4) };
  const mat = frameToMat(cv, pixels);
  try {
    cropRoi(cv, mat, {
      quad: [{ x: 1, y: 1 }, { x: 6, y: 1 }, { x: 6, y: 6 }, { x: 1, y: 6 }],
      frame: pixels,
    });
  } finally {
    mat.delete();
  }
}

function engineFor(name: string, url: string): Promise<ModuleEngine> {
  let engine = engines.get(url);
  if (!engine) {
    engine = (async () => {
      await ensureCv();
      post({ type: "loading", busy: true });
      try {
        const mod = await import(url);
        const create = mod.createEngine as CreateEngine | undefined;
        if (typeof create !== "function") throw new TypeError(`${url} exports no createEngine`);
        return await create(engineContext!);
      } finally {
        post({ type: "loading", busy: false });
      }
    })();
    engines.set(url, engine);
    // A failed load is retried by the next request instead of caching the failure forever.
    engine.catch(() => engines.delete(url));
  }
  return engine.catch((e) => {
    throw new Error(`module "${name}" failed to load: ${errorText(e)}`);
  });
}

/** Rectifies a ROI (and its surround) out of a frame this worker holds. */
async function cutRoi(msg: ReadRequest | CropRequest) {
  // Taken before loading opencv.js: the pool may release the frame meanwhile (a passed deadline).
  const held = frames.get(msg.frameId);
  if (!held) throw new Error(`frame ${msg.frameId} was never posted to this worker`);
  await ensureCv();
  const opts = { quad: msg.quad, frame: held.pixels, surround: msg.surround };
  if (frames.get(msg.frameId) === held) {
    held.mat ??= frameToMat(cv, held.pixels);
    return cropRoi(cv, held.mat, opts);
  }
  const mat = frameToMat(cv, held.pixels);
  try {
    return cropRoi(cv, mat, opts);
  } finally {
    mat.delete();
  }
}

async function read(msg: ReadRequest): Promise<void> {
  const started = performance.now();
  try {
    const cut = await cutRoi(msg);
    const ctx: ReadContext = {
      roiId: msg.roiId,
      surround: cut.surround,
      surroundRect: cut.surroundRect,
    };
    const engine = await engineFor(msg.module, msg.engineUrl);
    const { output, truncated } = limitOutput(await engine.read(cut.crop, msg.params, ctx));
    const workMs = performance.now() - started;
    const crop = msg.wantCrop ? cut.crop : undefined;
    const transfer = crop ? [(crop.data as Uint8Array).buffer as ArrayBuffer] : [];
    post(
      { type: "result", taskId: msg.taskId, ok: true, output, truncated, workMs, crop },
      transfer,
    );
  } catch (e) {
    post({
      type: "result",
      taskId: msg.taskId,
      ok: false,
      message: errorText(e),
      workMs: performance.now() - started,
    });
  }
}

/** Cuts a ROI for a module that runs in its own process; the pool forwards the pixels there. */
async function crop(msg: CropRequest): Promise<void> {
  try {
    const cut = await cutRoi(msg);
    const transfer = [cut.crop, cut.surround].flatMap((img) =>
      img ? [(img.data as Uint8Array).buffer as ArrayBuffer] : []
    );
    post({ type: "crop", taskId: msg.taskId, ...cut }, transfer);
  } catch (e) {
    post({ type: "crop", taskId: msg.taskId, message: errorText(e) });
  }
}

/** Page detection on a held frame; a failure answers with its message, never kills the worker. */
async function detectPages(msg: DetectPagesRequest): Promise<void> {
  const started = performance.now();
  try {
    const held = frames.get(msg.frameId);
    if (!held) throw new Error(`frame ${msg.frameId} was never posted to this worker`);
    await ensureCv();
    templates ??= new TemplateCache(cv);
    const frame = { pixels: held.pixels, mat: () => (held.mat ??= frameToMat(cv, held.pixels)) };
    const matches = await matchPages(cv, frame, msg.pages, { ...msg.options, templates });
    post({ type: "pages", taskId: msg.taskId, matches, workMs: performance.now() - started });
  } catch (e) {
    const workMs = performance.now() - started;
    post({ type: "pages", taskId: msg.taskId, message: errorText(e), workMs });
  }
}

function release(frameId: number): void {
  const held = frames.get(frameId);
  held?.mat?.delete();
  frames.delete(frameId);
}

scope.onmessage = (e: MessageEvent<ToWorker>) => {
  const msg = e.data;
  switch (msg.type) {
    case "init":
      void init(msg);
      break;
    case "frame":
      // This isolate's handle keeps the frame's memory alive until a collection here.
      noteSharedBytes(msg.width * msg.height * 4, WORKER_RECLAIM_BYTES);
      frames.set(msg.frameId, {
        pixels: {
          width: msg.width,
          height: msg.height,
          data: new Uint8Array(msg.buffer, msg.byteOffset, msg.width * msg.height * 4),
        },
      });
      break;
    case "read":
      void read(msg);
      break;
    case "crop":
      void crop(msg);
      break;
    case "detect_pages":
      void detectPages(msg);
      break;
    case "release":
      release(msg.frameId);
      break;
    case "ping":
      post({ type: "pong", seq: msg.seq });
      break;
  }
};
