import assert from "node:assert/strict";
import {
  ffmpegArgs,
  ffprobeSizeArgs,
  inputKind,
  isNetworkUrl,
  lowLatencyApplies,
  redactCredentials,
  usbDevicePath,
} from "./ffmpeg_args.ts";

/** The arguments that come right before `-i`, up to `count` of them. */
function beforeInput(args: string[], count: number): string[] {
  const i = args.indexOf("-i");
  return args.slice(Math.max(0, i - count), i);
}

Deno.test("isNetworkUrl accepts every streaming scheme and nothing local", () => {
  for (
    const url of [
      "http://h/x",
      "HTTPS://h/x",
      "rtsp://h",
      "rtsps://h",
      "rtmp://h",
      "rtmps://h",
      "udp://@:1234",
      "tcp://h:1",
      "srt://h:1",
      "ws://h",
      "wss://h",
    ]
  ) {
    assert.equal(isNetworkUrl(url), true, url);
  }
  for (
    const local of [
      "clip.mp4",
      "/dev/video0",
      "0",
      "file:///tmp/a.mp4",
      "demo",
      "C:\\video.mp4",
      "rtsp:/bad",
    ]
  ) {
    assert.equal(isNetworkUrl(local), false, local);
  }
});

Deno.test("usb devices are /dev/videoN or a bare number", () => {
  assert.equal(usbDevicePath("0"), "/dev/video0");
  assert.equal(usbDevicePath(" 12 "), "/dev/video12");
  assert.equal(usbDevicePath("/dev/video2"), "/dev/video2");
  assert.equal(usbDevicePath("/dev/sda"), undefined);
  assert.equal(usbDevicePath("video0"), undefined);
});

Deno.test("rtsp input goes over tcp with a socket timeout", () => {
  const args = ffmpegArgs({ source: "rtsp://cam/stream", fps: 5 }, { width: 640, height: 360 });
  assert.deepEqual(beforeInput(args, 4), ["-rtsp_transport", "tcp", "-timeout", "5000000"]);
  assert.equal(inputKind("RTSPS://cam/x"), "rtsp");
  assert.ok(!args.includes("-re") && !args.includes("-stream_loop"));
});

Deno.test("other network input gets a read timeout and no file pacing", () => {
  const args = ffmpegArgs({ source: "http://cam/video.mjpg" }, { width: 640, height: 360 });
  assert.deepEqual(beforeInput(args, 2), ["-rw_timeout", "5000000"]);
  assert.ok(!args.includes("-re"));
});

Deno.test("a video file is paced with -re and loops forever like a camera", () => {
  const args = ffmpegArgs({ source: "clip.mp4", fps: 2 }, { width: 320, height: 240 });
  assert.deepEqual(beforeInput(args, 3), ["-re", "-stream_loop", "-1"]);
  const unpaced = ffmpegArgs({ source: "clip.mp4" }, { width: 320, height: 240, paceFiles: false });
  assert.deepEqual(beforeInput(unpaced, 2), ["-stream_loop", "-1"]);
});

Deno.test("low_latency on a network source: no buffering, low delay, smallest probe, no pacing", () => {
  const size = { width: 640, height: 360 };
  const http = ffmpegArgs({ source: "http://cam/video.mjpg", lowLatency: true }, size);
  assert.deepEqual(beforeInput(http, 10), [
    "-fflags",
    "nobuffer",
    "-flags",
    "low_delay",
    "-probesize",
    "32768",
    "-analyzeduration",
    "0",
    "-rw_timeout",
    "5000000",
  ]);
  assert.ok(!http.includes("-re"));
  const rtsp = ffmpegArgs({ source: "rtsp://cam/s", lowLatency: true }, size);
  assert.deepEqual(rtsp.slice(rtsp.indexOf("-fflags"), rtsp.indexOf("-rtsp_transport")), [
    "-fflags",
    "nobuffer",
    "-flags",
    "low_delay",
    "-probesize",
    "32768",
    "-analyzeduration",
    "0",
    "-reorder_queue_size",
    "0",
  ]);
  const device = ffmpegArgs({ source: "/dev/video0", lowLatency: true }, size);
  assert.ok(device.includes("nobuffer") && device.indexOf("nobuffer") < device.indexOf("-f"));
  const stable = ffmpegArgs({ source: "rtsp://cam/s", lowLatency: false }, size);
  assert.ok(!stable.includes("nobuffer") && !stable.includes("-probesize"));
});

Deno.test("low_latency leaves files alone: a file keeps its own pace and loop", () => {
  assert.equal(lowLatencyApplies("clip.mp4"), false);
  assert.equal(lowLatencyApplies("srt://h:1"), true);
  assert.equal(lowLatencyApplies("2"), true);
  const args = ffmpegArgs({ source: "clip.mp4", lowLatency: true }, { width: 64, height: 48 });
  assert.deepEqual(beforeInput(args, 3), ["-re", "-stream_loop", "-1"]);
  assert.ok(!args.includes("nobuffer"));
});

Deno.test("a usb camera number is opened through v4l2", () => {
  const args = ffmpegArgs({ source: "1" }, { width: 640, height: 480 });
  assert.deepEqual(args.slice(args.indexOf("-f"), args.indexOf("-i") + 2), [
    "-f",
    "v4l2",
    "-i",
    "/dev/video1",
  ]);
});

Deno.test("ffmpeg output is raw rgba at the requested fps and exact size on stdout", () => {
  const args = ffmpegArgs({ source: "clip.mp4", fps: 2.5 }, { width: 160, height: 120 });
  assert.deepEqual(args.slice(0, 4), ["-hide_banner", "-loglevel", "error", "-nostdin"]);
  assert.deepEqual(args.slice(-7), [
    "-vf",
    "fps=2.5,scale=160:120",
    "-pix_fmt",
    "rgba",
    "-f",
    "rawvideo",
    "pipe:1",
  ]);
  const defaults = ffmpegArgs({ source: "clip.mp4" }, { width: 160, height: 120 });
  assert.ok(defaults.includes("fps=5,scale=160:120"));
});

Deno.test("ffprobe asks for the first video stream's size as WxH", () => {
  const args = ffprobeSizeArgs("rtsp://cam/x");
  assert.deepEqual(args.slice(-6), [
    "-select_streams",
    "v:0",
    "-show_entries",
    "stream=width,height",
    "-of",
    "csv=s=x:p=0",
  ]);
  assert.ok(args.includes("-rtsp_transport"));
});

Deno.test("passwords in URLs are masked in user-facing text", () => {
  assert.equal(
    redactCredentials(
      'ffmpeg failed on "rtsp://admin:hunter2@10.0.0.5/s": rtsp://admin:hunter2@10.0.0.5/s: 401',
    ),
    'ffmpeg failed on "rtsp://admin:***@10.0.0.5/s": rtsp://admin:***@10.0.0.5/s: 401',
  );
  assert.equal(redactCredentials("rtsp://10.0.0.5:554/s"), "rtsp://10.0.0.5:554/s");
});
