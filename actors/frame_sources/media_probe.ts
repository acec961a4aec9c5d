/** What ffprobe says about an uploaded file: still image or video, size, rate, frame count. */
import { spawnChild } from "./ffmpeg_process.ts";
import { FrameSourceError } from "./frame.ts";
import { PROBE_TIMEOUT_MS } from "./ffmpeg_probe.ts";

/** A probed media file. */
export interface MediaInfo {
  /** `image` for a single still picture (JPEG, PNG, WebP, BMP, TIFF…), else `video`. */
  kind: "image" | "video";
  /** Display width in pixels (rotation applied, as ffmpeg decodes it). */
  width: number;
  /** Display height in pixels. */
  height: number;
  /** Frames per second (1 for images). */
  fps: number;
  /** Frames in the file (counted from the duration when the container does not say). */
  frames: number;
  /** Seconds (0 for images). */
  duration: number;
  /** ffprobe's container name (`mov,mp4,m4a,3gp,3g2,mj2`, `png_pipe`…). */
  format: string;
}

interface ProbeJson {
  streams?: {
    codec_type?: string;
    width?: number;
    height?: number;
    avg_frame_rate?: string;
    r_frame_rate?: string;
    nb_frames?: string;
    duration?: string;
    side_data_list?: { rotation?: number }[];
    tags?: { rotate?: string };
  }[];
  format?: { format_name?: string; duration?: string };
}

/** Parses `30000/1001` (or `25`) into a number; 0 when unknown. */
export function parseRate(rate: string | undefined): number {
  if (!rate) return 0;
  const [n, d = "1"] = rate.split("/");
  const v = Number(n) / Number(d);
  return Number.isFinite(v) && v > 0 ? v : 0;
}

/** Turns ffprobe's JSON into {@linkcode MediaInfo}; throws FrameSourceError when there is no picture. */
export function mediaInfoOf(json: ProbeJson, name: string): MediaInfo {
  const stream = json.streams?.find((s) => s.codec_type === "video");
  const format = json.format?.format_name ?? "";
  if (!stream || !stream.width || !stream.height) {
    throw new FrameSourceError(
      `"${name}" has no video stream or picture (format ${format || "?"})`,
    );
  }
  const rotation = Math.abs(
    stream.side_data_list?.find((s) => s.rotation !== undefined)?.rotation ??
      Number(stream.tags?.rotate ?? 0),
  );
  const turned = rotation % 180 === 90;
  const width = turned ? stream.height : stream.width;
  const height = turned ? stream.width : stream.height;
  const still = /(^|,)(image2|[a-z0-9]+_pipe)(,|$)/.test(format);
  if (still) return { kind: "image", width, height, fps: 1, frames: 1, duration: 0, format };
  const fps = parseRate(stream.avg_frame_rate) || parseRate(stream.r_frame_rate);
  const duration = Number(stream.duration ?? json.format?.duration ?? 0) || 0;
  const counted = Number(stream.nb_frames ?? 0);
  const frames = counted > 0 ? counted : Math.max(1, Math.round(duration * fps));
  return { kind: "video", width, height, fps: fps || 25, frames, duration, format };
}

/**
 * Probes a local file with ffprobe. Throws {@linkcode FrameSourceError} with ffprobe's own words
 * when it is no media ffmpeg reads, or when ffprobe takes longer than `timeoutMs`.
 */
export async function probeMedia(
  path: string,
  opts: { name?: string; timeoutMs?: number } = {},
): Promise<MediaInfo> {
  const { name = path, timeoutMs = PROBE_TIMEOUT_MS } = opts;
  const child = spawnChild("ffprobe", [
    "-v",
    "error",
    "-show_entries",
    "stream=codec_type,width,height,avg_frame_rate,r_frame_rate,nb_frames,duration:" +
    "stream_tags=rotate:stream_side_data=rotation:format=format_name,duration",
    "-of",
    "json",
    path,
  ]);
  const timer = setTimeout(() => void child.stop(), timeoutMs);
  try {
    const [text, status] = await Promise.all([
      new Response(child.stdout).text(),
      child.status,
      child.stderrDone,
    ]);
    if (!status.success) {
      throw new FrameSourceError(
        `"${name}" is no image or video ffmpeg reads: ${
          child.stderrTail().replaceAll(`${path}: `, "") || `exit ${status.code}`
        }`,
      );
    }
    return mediaInfoOf(JSON.parse(text) as ProbeJson, name);
  } finally {
    clearTimeout(timer);
    await child.stop();
  }
}
