/**
 * Loads opencv.js once per thread. The Emscripten module object is thenable: returning it from
 * async code or resolving a promise with it spins forever (platform notes §3), so it is always
 * handed out wrapped in `{ cv }` with its `then` removed.
 */

/** The opencv.js namespace; its embind API has no useful static types in this build. */
// deno-lint-ignore no-explicit-any
export type Cv = any;

/** The initialised opencv.js module, wrapped so it is never thenable at a promise boundary. */
export interface CvHandle {
  /** The opencv.js namespace. */
  readonly cv: Cv;
}

let loading: Promise<CvHandle> | undefined;

/** Initialises opencv.js on first call (about 0.3–1 s) and returns the same handle afterwards. */
export function loadCv(): Promise<CvHandle> {
  loading ??= init();
  return loading;
}

async function init(): Promise<CvHandle> {
  // Imported here, not at the top: parsing opencv.js alone costs ~60 MB, which a thread that
  // never needs OpenCV should not pay.
  const m: Cv = (await import("@techstark/opencv-js")).default;
  if (m instanceof Promise) {
    const ready: Cv = await m;
    delete ready.then;
    return { cv: ready };
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
  return { cv: m };
}

/** Text of an opencv.js exception, which reaches JS as a number (a pointer) or an Error. */
export function cvErrorMessage(cv: Cv, e: unknown): string {
  if (typeof e === "number") {
    const detail = cv.exceptionFromPtr?.(e)?.msg;
    return typeof detail === "string" ? `OpenCV: ${detail}` : `OpenCV exception ${e}`;
  }
  return e instanceof Error ? e.message : String(e);
}
