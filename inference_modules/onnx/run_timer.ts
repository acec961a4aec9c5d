/** Timing of the inference part of reads, for the benchmark's read ÷ inference ratio. */
import type { OnnxSession } from "./onnx_session.ts";

/**
 * Accumulates the milliseconds spent inside `run` of a session. Sessions are cached and shared,
 * so wrapping one times every engine that uses the same model in this isolate (benchmarks).
 */
export function timeRuns(session: OnnxSession): { take(): number } {
  const run = session.run.bind(session);
  let ms = 0;
  (session as { run: OnnxSession["run"] }).run = async (feeds) => {
    const t0 = performance.now();
    try {
      return await run(feeds);
    } finally {
      ms += performance.now() - t0;
    }
  };
  return {
    take() {
      const v = ms;
      ms = 0;
      return v;
    },
  };
}
