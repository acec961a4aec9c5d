/** Reads a source's video size with ffprobe, for specs that give no width/height. */

import { ffprobeSizeArgs, redactCredentials } from "./ffmpeg_args.ts";
import { spawnChild } from "./ffmpeg_process.ts";
import { FrameSourceError } from "./frame.ts";

/** How long ffprobe may take before the source fails, in milliseconds. */
export const PROBE_TIMEOUT_MS = 15_000;

/** A width and height in pixels. */
export interface VideoSize {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
}

/** Options for {@linkcode probeVideoSize}. */
export interface ProbeOptions {
  /** Aborting stops ffprobe; the call then resolves undefined. */
  signal?: AbortSignal;
  /** Give up after this many milliseconds; default {@linkcode PROBE_TIMEOUT_MS}. */
  timeoutMs?: number;
}

/**
 * The first video stream's size, or undefined when `signal` aborted first. Throws
 * {@linkcode FrameSourceError} with ffprobe's own words when it cannot tell (missing file,
 * refused connection, no video stream) or when it takes longer than the timeout.
 */
export async function probeVideoSize(
  source: string,
  opts: ProbeOptions = {},
): Promise<VideoSize | undefined> {
  const { signal, timeoutMs = PROBE_TIMEOUT_MS } = opts;
  if (signal?.aborted) return undefined;
  const child = spawnChild("ffprobe", ffprobeSizeArgs(source));
  let timedOut = false;
  const onAbort = () => void child.stop();
  const timer = setTimeout(() => {
    timedOut = true;
    void child.stop();
  }, timeoutMs);
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const [text, status] = await Promise.all([
      new Response(child.stdout).text(),
      child.status,
      child.stderrDone,
    ]);
    if (signal?.aborted) return undefined;
    const match = /^(\d+)x(\d+)/m.exec(text);
    if (status.success && match) return { width: Number(match[1]), height: Number(match[2]) };
    const why = timedOut
      ? `ffprobe gave no answer within ${timeoutMs} ms`
      : child.stderrTail() || `ffprobe found no video stream (exit code ${status.code})`;
    throw new FrameSourceError(
      redactCredentials(`Cannot read the video size of "${source}": ${why}`),
    );
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
    await child.stop();
  }
}
