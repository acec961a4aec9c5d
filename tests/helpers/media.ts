/** Test inputs made with real ffmpeg, so tests run anywhere ffmpeg is installed. */
import { join } from "node:path";

/** Writes a looping-friendly test clip (lavfi testsrc) and returns its path. */
export async function makeClip(
  dir: string,
  opts: { width?: number; height?: number; seconds?: number; rate?: number; name?: string } = {},
): Promise<string> {
  const { width = 320, height = 240, seconds = 4, rate = 25, name = "clip.mp4" } = opts;
  const path = join(dir, name);
  const out = await new Deno.Command("ffmpeg", {
    args: [
      "-hide_banner",
      "-loglevel",
      "error",
      "-y",
      "-f",
      "lavfi",
      "-i",
      `testsrc=size=${width}x${height}:rate=${rate}`,
      "-t",
      String(seconds),
      "-pix_fmt",
      "yuv420p",
      path,
    ],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(`ffmpeg could not make a clip: ${new TextDecoder().decode(out.stderr)}`);
  }
  return path;
}

/** True when a process with this pid is alive (and not a zombie). */
export function pidAlive(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false; // no /proc entry: the process is gone
  }
}

/** Pids of running `ffmpeg` processes whose command line mentions `needle`. */
export function ffmpegPidsWith(needle: string): number[] {
  const pids: number[] = [];
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      const cmd = Deno.readTextFileSync(`/proc/${e.name}/cmdline`).split("\0");
      if (
        cmd[0]?.endsWith("ffmpeg") && cmd.some((a) => a.includes(needle)) &&
        pidAlive(Number(e.name))
      ) {
        pids.push(Number(e.name));
      }
    } catch {
      continue; // the process ended while we looked
    }
  }
  return pids;
}
