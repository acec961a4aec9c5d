/** How a {@linkcode SourceSpec} becomes an ffmpeg (or ffprobe) command line. Pure: no processes here. */

import type { SourceSpec } from "./frame.ts";

/** Frames per second a stream is read at when the spec gives none. */
export const DEFAULT_STREAM_FPS = 5;

/** Network read timeout handed to ffmpeg, in microseconds (ffmpeg's unit): 5 s. */
export const NETWORK_TIMEOUT_US = 5_000_000;

/** URL schemes ffmpeg reads over the network. */
export const NETWORK_SCHEMES: ReadonlySet<string> = new Set([
  "http",
  "https",
  "rtsp",
  "rtsps",
  "rtmp",
  "rtmps",
  "udp",
  "tcp",
  "srt",
  "ws",
  "wss",
]);

/** Whether `source` is a URL ffmpeg reads over the network (http(s), rtsp(s), rtmp(s), udp, tcp, srt, ws(s)). */
export function isNetworkUrl(source: string): boolean {
  const match = /^([a-z][a-z0-9+.-]*):\/\//i.exec(source.trim());
  return match !== null && NETWORK_SCHEMES.has(match[1].toLowerCase());
}

/** The V4L2 device path for a USB camera source (`/dev/videoN` or a bare `N`), or undefined. */
export function usbDevicePath(source: string): string | undefined {
  const s = source.trim();
  if (/^\d+$/.test(s)) return `/dev/video${Number(s)}`;
  if (/^\/dev\/video\d+$/.test(s)) return s;
  return undefined;
}

/** What kind of input a source string names; it decides ffmpeg's input options. */
export type InputKind = "rtsp" | "network" | "device" | "file";

/** Classifies a source string for ffmpeg. */
export function inputKind(source: string): InputKind {
  if (/^rtsps?:\/\//i.test(source.trim())) return "rtsp";
  if (isNetworkUrl(source)) return "network";
  if (usbDevicePath(source) !== undefined) return "device";
  return "file";
}

/** Whether `low_latency` changes how `source` is read: live inputs only (network URLs, devices). */
export function lowLatencyApplies(source: string): boolean {
  const kind = inputKind(source);
  return kind === "rtsp" || kind === "network" || kind === "device";
}

/**
 * Input options of low-latency mode: no input buffering, low-delay decoding, the smallest probe
 * (the size is known before ffmpeg starts: requested or probed by ffprobe), and for RTSP no
 * reordering queue. No `-re`: a live source is read at its own pace.
 */
export const LOW_LATENCY_INPUT = [
  "-fflags",
  "nobuffer",
  "-flags",
  "low_delay",
  "-probesize",
  "32768",
  "-analyzeduration",
  "0",
] as const;

/**
 * Options placed before `-i`, shared by ffmpeg and ffprobe. RTSP goes over TCP because UDP
 * loses packets (grey smears) on busy networks; every network input gets a read timeout so a
 * silent camera fails instead of hanging (RTSP calls it `-timeout`, other protocols `-rw_timeout`).
 */
function inputOptions(source: string): string[] {
  const kind = inputKind(source);
  const timeout = String(NETWORK_TIMEOUT_US);
  switch (kind) {
    case "rtsp":
      return ["-rtsp_transport", "tcp", "-timeout", timeout, "-i", source.trim()];
    case "network":
      return ["-rw_timeout", timeout, "-i", source.trim()];
    case "device":
      return ["-f", "v4l2", "-i", usbDevicePath(source)!];
    case "file":
      return ["-i", source];
  }
}

/** Options for {@linkcode ffmpegArgs}. */
export interface FfmpegArgsOptions {
  /** Output width in pixels (already resolved: requested or probed). */
  width: number;
  /** Output height in pixels. */
  height: number;
  /** Pace files at the requested fps (`-re`) like a live camera; default true. False reads as fast as ffmpeg decodes. */
  paceFiles?: boolean;
}

/**
 * The ffmpeg arguments that turn `spec` into raw RGBA frames of exactly `width`×`height` on
 * stdout. The scale is always explicit, even for a probed size, so a stream that changes
 * resolution mid-way cannot desynchronise the frame-sized reads.
 */
export function ffmpegArgs(spec: SourceSpec, opts: FfmpegArgsOptions): string[] {
  const fps = spec.fps ?? DEFAULT_STREAM_FPS;
  const kind = inputKind(spec.source);
  const isFile = kind === "file";
  // A file loops forever so it behaves like a camera; VisionROI reopened it at EOF.
  const fileOptions = isFile
    ? [...((opts.paceFiles ?? true) ? ["-re"] : []), "-stream_loop", "-1"]
    : [];
  const lowLatency = spec.lowLatency && lowLatencyApplies(spec.source)
    ? [...LOW_LATENCY_INPUT, ...(kind === "rtsp" ? ["-reorder_queue_size", "0"] : [])]
    : [];
  return [
    "-hide_banner",
    "-loglevel",
    "error",
    "-nostdin",
    ...fileOptions,
    ...lowLatency,
    ...inputOptions(spec.source),
    "-map",
    "0:v:0",
    "-vf",
    `fps=${fps},scale=${opts.width}:${opts.height}`,
    "-pix_fmt",
    "rgba",
    "-f",
    "rawvideo",
    "pipe:1",
  ];
}

/** The ffprobe arguments that print the first video stream's size as `WxH`. */
export function ffprobeSizeArgs(source: string): string[] {
  return [
    "-v",
    "error",
    ...inputOptions(source),
    "-select_streams",
    "v:0",
    "-show_entries",
    "stream=width,height",
    "-of",
    "csv=s=x:p=0",
  ];
}

/** `source` with any URL password replaced by `***`, for messages users and logs see. */
export function redactCredentials(text: string): string {
  return text.replace(/(\/\/[^:@/\s]*):[^@/\s]*@/g, "$1:***@");
}
