/**
 * Checks the files of an upload before its task is accepted: one video, or images (uploaded one by
 * one or in a zip, unpacked here). ffprobe decides what a file is; anything it cannot read is a
 * RangeError naming the file, which the route answers with 400.
 */
import { join, relative } from "node:path";
import { type MediaInfo, probeMedia } from "../frame_sources/media_probe.ts";
import { FrameSourceError } from "../frame_sources/frame.ts";

/** Extensions of pictures taken from a zip (others in the archive are ignored). */
const IMAGE_EXT = /\.(jpe?g|png|webp|bmp|tiff?|gif)$/i;

/** What a task reads, with paths relative to its folder. */
export interface MediaPlan {
  kind: "video" | "images";
  /** Relative paths in reading order. */
  files: string[];
  width: number;
  height: number;
  /** The video's frame rate (null for images). */
  videoFps: number | null;
  /** Frames in the video, or the number of images. */
  frames: number;
  /** Seconds of video (0 for images). */
  duration: number;
}

/** One stored upload part: the stored name in the folder and the client's name for messages. */
export interface StoredPart {
  stored: string;
  filename: string;
}

/** Probes (and unpacks zips in) `dir`; throws RangeError for unreadable media. */
export async function prepareMedia(
  dir: string,
  parts: StoredPart[],
  opts: { maxUnpackedBytes: number },
): Promise<MediaPlan> {
  if (parts.length === 0) throw new RangeError("invalid file: no file part in the upload");
  const files: StoredPart[] = [];
  for (const part of parts) {
    if (await isZip(join(dir, part.stored))) {
      files.push(...await unzipImages(dir, part, opts.maxUnpackedBytes));
    } else files.push(part);
  }
  if (files.length === 0) throw new RangeError("invalid file: the zip holds no images");
  const first = await probe(dir, files[0]);
  if (first.kind === "video") {
    if (files.length > 1) {
      throw new RangeError(
        `invalid file: "${files[0].filename}" is a video; send one video, or images only`,
      );
    }
    return {
      kind: "video",
      files: [files[0].stored],
      width: first.width,
      height: first.height,
      videoFps: first.fps,
      frames: first.frames,
      duration: first.duration,
    };
  }
  return {
    kind: "images",
    files: files.map((f) => f.stored),
    width: first.width,
    height: first.height,
    videoFps: null,
    frames: files.length,
    duration: 0,
  };
}

async function probe(dir: string, part: StoredPart): Promise<MediaInfo> {
  try {
    return await probeMedia(join(dir, part.stored), { name: part.filename });
  } catch (err) {
    if (err instanceof FrameSourceError) throw new RangeError(`invalid file: ${err.message}`);
    throw err;
  }
}

async function isZip(path: string): Promise<boolean> {
  const f = await Deno.open(path);
  try {
    const head = new Uint8Array(4);
    const n = await f.read(head);
    return n === 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 3 && head[3] === 4;
  } finally {
    f.close();
  }
}

/** Unpacks a zip's pictures into `<dir>/<stored>.d/` (unzip drops `../` parts) and removes the zip. */
async function unzipImages(dir: string, part: StoredPart, maxBytes: number): Promise<StoredPart[]> {
  const zip = join(dir, part.stored);
  const info = await run("unzip", ["-Zt", zip], part.filename);
  const total = Number(/([\d]+) bytes uncompressed/.exec(info)?.[1] ?? NaN);
  if (!(total <= maxBytes)) {
    throw new RangeError(
      `invalid file: "${part.filename}" unpacks to ${total} bytes, more than ${maxBytes}`,
    );
  }
  const out = join(dir, `${part.stored}.d`);
  await run("unzip", ["-qq", "-o", zip, "-d", out], part.filename);
  await Deno.remove(zip);
  const found: string[] = [];
  const walk = async (d: string) => {
    for await (const e of Deno.readDir(d)) {
      if (e.isDirectory && !e.name.startsWith("__MACOSX")) await walk(join(d, e.name));
      else if (e.isFile && IMAGE_EXT.test(e.name) && !e.name.startsWith("._")) {
        found.push(join(d, e.name));
      }
    }
  };
  await walk(out);
  found.sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
  return found.map((p) => ({
    stored: relative(dir, p),
    filename: `${part.filename}:${relative(out, p)}`,
  }));
}

async function run(cmd: string, args: string[], name: string): Promise<string> {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
    throw new RangeError(`invalid file: "${name}" is a zip, and ${cmd} is not installed here`);
  }
  if (!out.success) {
    const why = new TextDecoder().decode(out.stderr).trim().split("\n").slice(-2).join("; ");
    throw new RangeError(`invalid file: "${name}" is no readable zip: ${why}`);
  }
  return new TextDecoder().decode(out.stdout);
}
