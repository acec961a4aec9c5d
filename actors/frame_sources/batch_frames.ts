/**
 * The frames of an uploaded file, numbered the same way on every run: ffmpeg decodes every Nth
 * frame (or resamples to a rate) to raw RGBA read with exact-size BYOB reads; a list of images is
 * decoded one by one. Frames up to `startAfter` are decoded and dropped, never handed out, so a
 * resumed task continues with the first frame it has no rows for.
 */
import { allocFrameData, type Frame, FrameSourceError } from "./frame.ts";
import { spawnChild } from "./ffmpeg_process.ts";
import { decodeImageToFrame, ImageDecodeError } from "../../inference_modules/image_frame.ts";

/** What to decode. */
export interface FramePlan {
  /** `video`: one file through ffmpeg; `images`: one frame per file. */
  kind: "video" | "images";
  /** Absolute paths in reading order. */
  files: string[];
  /** Decoded size of the video (ignored for images). */
  width: number;
  /** Decoded height of the video. */
  height: number;
  /** Take every Nth frame of the video [1]. */
  everyN?: number;
  /** Resample the video to this rate instead (frames per second). */
  fps?: number | null;
  /** The video's own rate, for frame times. */
  videoFps?: number | null;
  /** Skip frames with an index up to this one [-1: none]. */
  startAfter?: number;
}

/** One numbered frame; `error` instead of `frame` when an image cannot be decoded. */
export interface BatchFrame {
  /** 0-based index among the frames the plan selects. */
  index: number;
  /** Seconds from the start of the video; null for images. */
  time: number | null;
  /** The pixels. */
  frame?: Frame;
  /** Why this frame has no pixels. */
  error?: string;
}

/** The ffmpeg arguments that decode `plan`'s video to raw RGBA at its probed size. */
export function videoArgs(plan: FramePlan): string[] {
  const filters: string[] = [];
  const everyN = plan.everyN ?? 1;
  if (plan.fps) filters.push(`fps=${plan.fps}`);
  else if (everyN > 1) filters.push(`select=not(mod(n\\,${everyN}))`);
  filters.push(`scale=${plan.width}:${plan.height}`);
  return [
    "-hide_banner",
    "-loglevel",
    "error",
    "-nostdin",
    "-i",
    plan.files[0],
    "-an",
    "-vf",
    filters.join(","),
    ...(plan.fps ? [] : ["-fps_mode", "passthrough"]),
    "-f",
    "rawvideo",
    "-pix_fmt",
    "rgba",
    "pipe:1",
  ];
}

/** Yields the plan's frames after `startAfter` until the end or until `signal` aborts. */
export function batchFrames(plan: FramePlan, signal: AbortSignal): AsyncGenerator<BatchFrame> {
  return plan.kind === "video" ? videoFrames(plan, signal) : imageFrames(plan, signal);
}

async function* imageFrames(plan: FramePlan, signal: AbortSignal): AsyncGenerator<BatchFrame> {
  const start = (plan.startAfter ?? -1) + 1;
  for (let index = start; index < plan.files.length && !signal.aborted; index++) {
    try {
      const frame = await decodeImageToFrame(await Deno.readFile(plan.files[index]));
      yield { index, time: null, frame: { ...frame, seq: index + 1 } };
    } catch (err) {
      if (!(err instanceof ImageDecodeError)) throw err;
      yield { index, time: null, error: err.message };
    }
  }
}

async function* videoFrames(plan: FramePlan, signal: AbortSignal): AsyncGenerator<BatchFrame> {
  const size = plan.width * plan.height * 4;
  const child = spawnChild("ffmpeg", videoArgs(plan));
  const onAbort = () => void child.stop();
  signal.addEventListener("abort", onAbort, { once: true });
  const reader = child.stdout.getReader({ mode: "byob" });
  const startAfter = plan.startAfter ?? -1;
  const step = plan.fps ? 1 / plan.fps : (plan.everyN ?? 1) / (plan.videoFps || 25);
  let buf = new ArrayBuffer(size);
  try {
    for (let index = 0; !signal.aborted; index++) {
      const bytes = await readExactly(reader, buf, size);
      if (!bytes) break;
      buf = bytes.buffer as ArrayBuffer;
      if (index <= startAfter) continue;
      const data = allocFrameData(plan.width, plan.height);
      data.set(bytes);
      const frame: Frame = {
        width: plan.width,
        height: plan.height,
        data,
        seq: index + 1,
        time: Date.now(),
      };
      yield { index, time: Math.round(index * step * 1e6) / 1e6, frame };
    }
    if (signal.aborted) return;
    const status = await child.status;
    await child.stderrDone;
    if (!status.success) {
      // ffmpeg's own words, without its "Last message repeated" bookkeeping.
      const words = child.stderrTail().split("; ").filter((l) =>
        !/^\s*Last message repeated/.test(l)
      );
      throw new FrameSourceError(
        `ffmpeg could not decode the video (exit code ${status.code}): ${
          words.join("; ") || "no message"
        }`,
      );
    }
  } finally {
    signal.removeEventListener("abort", onAbort);
    reader.releaseLock();
    await child.stop();
  }
}

/** Fills `buf` with exactly `size` bytes; null at end of stream (a partial last frame is dropped). */
async function readExactly(
  reader: ReadableStreamBYOBReader,
  buf: ArrayBuffer,
  size: number,
): Promise<Uint8Array<ArrayBuffer> | null> {
  let off = 0;
  while (off < size) {
    const { value, done } = await reader.read(new Uint8Array(buf, off, size - off));
    if (done || !value) return null;
    buf = value.buffer as ArrayBuffer;
    off += value.byteLength;
  }
  return new Uint8Array(buf, 0, size);
}
