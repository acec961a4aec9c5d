/**
 * Loads opencv.js once per thread. The Emscripten module object is thenable: returning it from
 * async code or resolving a promise with it spins forever (platform notes §3), so it is always
 * handed out wrapped in `{ cv }` with its `then` removed.
 *
 * opencv.js carries its WebAssembly as a 10.6 MB base64 string inside its 10.9 MB source. Imported
 * as a module, V8 keeps that source (twice) for as long as the module lives and decodes it in
 * JavaScript. {@linkcode loadCv} instead splits the file: the WebAssembly is decoded natively and
 * compiled, and only the 0.2 MB of JavaScript glue is evaluated (2 workers: 236 → 171 MB RSS).
 * Should the file ever not have the expected shape, it falls back to the plain import and says so.
 */
import { Buffer } from "node:buffer";
import { createRequire } from "node:module";
import process from "node:process";
import { fileURLToPath } from "node:url";

/** The opencv.js namespace; its embind API has no useful static types in this build. */
// deno-lint-ignore no-explicit-any
export type Cv = any;

/** The initialised opencv.js module, wrapped so it is never thenable at a promise boundary. */
export interface CvHandle {
  /** The opencv.js namespace. */
  readonly cv: Cv;
  /** How it was loaded: `split` (glue and WebAssembly apart) or `import` (the fallback). */
  readonly loadedBy: "split" | "import";
}

let loading: Promise<CvHandle> | undefined;

/** Initialises opencv.js on first call (about 0.3–1 s) and returns the same handle afterwards. */
export function loadCv(): Promise<CvHandle> {
  loading ??= init();
  return loading;
}

/** Where the embedded WebAssembly starts in opencv.js, and how its factory is called. */
const WASM_PREFIX = 'var wasmBinaryFile="data:application/octet-stream;base64,';
const FACTORY_CALL = "return cv(Module);";

/** opencv.js split into its JavaScript glue and its WebAssembly (base64). */
export interface CvParts {
  /** The glue, with the WebAssembly string emptied and the factory taking `__moduleArg`. */
  glue: string;
  /** The WebAssembly, base64. */
  wasmBase64: string;
}

/** Splits opencv.js's source; undefined when it does not have the expected shape. */
export function splitOpenCvSource(source: string): CvParts | undefined {
  const start = source.indexOf(WASM_PREFIX);
  if (start < 0 || source.indexOf(WASM_PREFIX, start + 1) >= 0) return undefined;
  const end = source.indexOf('"', start + WASM_PREFIX.length);
  const call = source.lastIndexOf(FACTORY_CALL);
  if (end < 0 || call < end) return undefined;
  const glue = source.slice(0, start) + 'var wasmBinaryFile="' + source.slice(end, call) +
    "return cv(__moduleArg);" + source.slice(call + FACTORY_CALL.length);
  return { glue, wasmBase64: source.slice(start + WASM_PREFIX.length, end) };
}

function openCvPath(): string {
  const pkg = import.meta.resolve("@techstark/opencv-js/package.json");
  return fileURLToPath(new URL("dist/opencv.js", pkg));
}

async function init(): Promise<CvHandle> {
  let parts: CvParts | undefined;
  let path = "";
  try {
    path = openCvPath();
    parts = splitOpenCvSource(await Deno.readTextFile(path));
    if (!parts) {
      console.warn(`opencv.js read as a module instead (${path} has an unexpected shape)`);
    }
  } catch (err) {
    // A user module's process may not read node_modules (it can still import): the import is the
    // same OpenCV at a higher memory cost, so only other failures are worth a line.
    const denied = err instanceof Deno.errors.NotCapable ||
      err instanceof Deno.errors.PermissionDenied;
    if (!denied) console.warn(`opencv.js read as a module instead (${(err as Error).message})`);
  }
  const loaded = await settle(parts ? await loadSplit(parts, path) : await importModule());
  return { cv: loaded.m, loadedBy: parts ? "split" : "import" };
}

// Both loaders hand the module out wrapped: it is thenable until settle() has run.

async function importModule(): Promise<{ m: Cv }> {
  // Imported here, not at the top: parsing opencv.js costs ~60 MB, which a thread that never needs
  // OpenCV should not pay.
  return { m: (await import("@techstark/opencv-js")).default };
}

async function loadSplit(parts: CvParts, path: string): Promise<{ m: Cv }> {
  const compiled = WebAssembly.compile(Buffer.from(parts.wasmBase64, "base64"));
  const moduleArg = {
    instantiateWasm(
      imports: WebAssembly.Imports,
      receive: (instance: WebAssembly.Instance) => void,
    ) {
      compiled.then((m) => WebAssembly.instantiate(m, imports)).then(receive);
      return {};
    },
  };
  await compiled;
  const cjs = { exports: {} as Cv };
  const dir = path.slice(0, path.lastIndexOf("/"));
  // The same names a CommonJS wrapper gives the file, so it takes its Node path as before.
  const run = new Function(
    "module",
    "exports",
    "require",
    "__filename",
    "__dirname",
    "process",
    "__moduleArg",
    parts.glue,
  );
  run.call(globalThis, cjs, cjs.exports, createRequire(path), path, dir, process, moduleArg);
  return { m: cjs.exports };
}

/** Waits for the runtime and removes `then`; takes and returns the module wrapped. */
async function settle({ m }: { m: Cv }): Promise<{ m: Cv }> {
  if (m instanceof Promise) {
    const ready: Cv = await m;
    delete ready.then;
    return { m: ready };
  }
  if (!m.calledRun) {
    await new Promise<void>((resolve) => {
      const previous = m.onRuntimeInitialized;
      m.onRuntimeInitialized = () => {
        previous?.();
        resolve();
      };
    });
  }
  delete m.then;
  return { m };
}

/** Text of an opencv.js exception, which reaches JS as a number (a pointer) or an Error. */
export function cvErrorMessage(cv: Cv, e: unknown): string {
  if (typeof e === "number") {
    const detail = cv.exceptionFromPtr?.(e)?.msg;
    return typeof detail === "string" ? `OpenCV: ${detail}` : `OpenCV exception ${e}`;
  }
  return e instanceof Error ? e.message : String(e);
}
