/** A short video of the demo panel whose numbers change every second, with what each second shows. */
import { join } from "node:path";
import { writePanelPng } from "./panel.ts";

/** What the panel shows in one second of the clip (ROI id → text). */
export type PanelValues = Awaited<ReturnType<typeof writePanelPng>>;

/**
 * Writes `seconds` panel PNGs (ticks 0, 1, …) and turns them into an H.264 clip at `fps` frames per
 * second (each tick held for one second). Returns the clip's path and the values of each second.
 */
export async function makePanelClip(
  dir: string,
  opts: { seconds?: number; fps?: number; name?: string } = {},
): Promise<{ path: string; values: PanelValues[] }> {
  const { seconds = 5, fps = 5, name = "panel.mp4" } = opts;
  const values: PanelValues[] = [];
  for (let t = 0; t < seconds; t++) values.push(await writePanelPng(join(dir, `p${t}.png`), t));
  const path = join(dir, name);
  const out = await new Deno.Command("ffmpeg", {
    args: [
      "-hide_banner",
      "-loglevel",
      "error",
      "-y",
      "-framerate",
      "1",
      "-i",
      join(dir, "p%d.png"),
      "-vf",
      `fps=${fps}`,
      "-c:v",
      "libx264",
      "-preset",
      "ultrafast",
      "-crf",
      "12",
      "-pix_fmt",
      "yuv420p",
      "-t",
      String(seconds),
      path,
    ],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(
      `ffmpeg could not make the panel clip: ${new TextDecoder().decode(out.stderr)}`,
    );
  }
  return { path, values };
}
