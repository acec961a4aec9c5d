/**
 * A real server process driven through its public API, as a user's client would: start
 * `mod.ts` of a checkout on a free port with its own data dir, create sources, save ROIs, start
 * jobs, listen on `/ws_roi_result/<cam_id>`, and read the CPU time and RSS of the server's process
 * tree (the Deno process with its worker threads, and its ffmpeg children) from /proc.
 */
import { join } from "node:path";

/** One ROI reading as `/ws_roi_result` sends it. */
export interface Entry {
  id: string;
  text: string;
  error?: string;
  cached?: boolean;
  frame_time: number;
  result_time: number;
}

/** One aggregated message, with the time the client received it (s since the epoch). */
export interface Received {
  cam: string;
  recv: number;
  frame_time: number;
  results: Entry[];
}

/** A running server. */
export interface LiveServer {
  port: number;
  pid: number;
  dataDir: string;
  api(method: string, path: string, body?: unknown): Promise<unknown>;
  createSource(fields: Record<string, string>): Promise<void>;
  /** Opens `/ws_roi_result/<cam>`; every message goes into `sink`. */
  listen(cam: string, sink: (r: Received) => void): Promise<WebSocket>;
  stop(): Promise<void>;
}

/** Starts `mod.ts` of `checkout` with a fresh data dir, `--no-demo`, on a free port. */
export async function startServer(checkout: string, extra: string[] = []): Promise<LiveServer> {
  const dataDir = await Deno.makeTempDir({ prefix: "visionroi-live-" });
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      join(checkout, "mod.ts"),
      "--port",
      "0",
      "--data-dir",
      dataDir,
      "--no-demo",
      ...extra,
    ],
    cwd: checkout,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const tail: string[] = [];
  const drain = async (
    stream: ReadableStream<Uint8Array<ArrayBuffer>>,
    onLine?: (l: string) => void,
  ) => {
    const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
    let buf = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buf += value;
      let i;
      while ((i = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        tail.push(line);
        if (tail.length > 40) tail.shift();
        onLine?.(line);
      }
    }
  };
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no listen line: ${tail.join("\n")}`)),
      120_000,
    );
    void drain(child.stdout, (line) => {
      const m = /listening on http:\/\/[^:]+:(\d+)\//.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    void drain(child.stderr);
    void child.status.then((s) => reject(new Error(`server exited ${s.code}: ${tail.join("\n")}`)));
  });
  const base = `http://127.0.0.1:${port}`;
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(base + path, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  };
  return {
    port,
    pid: child.pid,
    dataDir,
    api,
    async createSource(fields) {
      const form = new FormData();
      for (const [k, v] of Object.entries(fields)) form.set(k, v);
      const res = await fetch(`${base}/create_source`, { method: "POST", body: form });
      const text = await res.text();
      if (!res.ok) throw new Error(`create_source: ${res.status} ${text}`);
    },
    listen(cam, sink) {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/ws_roi_result/${encodeURIComponent(cam)}`);
      ws.onmessage = (ev) => {
        const recv = Date.now() / 1000;
        let msg: unknown;
        try {
          msg = JSON.parse(String(ev.data));
        } catch {
          return;
        }
        const m = msg as { results?: Entry[]; frame_time?: number };
        if (Array.isArray(m.results) && typeof m.frame_time === "number") {
          sink({ cam, recv, frame_time: m.frame_time, results: m.results });
        }
      };
      return new Promise((resolve, reject) => {
        ws.onopen = () => resolve(ws);
        ws.onerror = (e) => reject(new Error(`ws ${cam}: ${(e as ErrorEvent).message}`));
      });
    },
    async stop() {
      try {
        child.kill("SIGTERM");
      } catch { /* gone */ }
      const t = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch { /* gone */ }
      }, 8_000);
      await child.status;
      clearTimeout(t);
      await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    },
  };
}

const TICK = 100; // USER_HZ on Linux

/** CPU seconds (user + system) of `pid` and all its descendants, and the RSS of `pid` in MB. */
export async function treeUsage(pid: number): Promise<{ cpu: number; rssMb: number }> {
  const stats = new Map<number, { ppid: number; cpu: number }>();
  for await (const e of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      const text = await Deno.readTextFile(`/proc/${e.name}/stat`);
      const rest = text.slice(text.lastIndexOf(")") + 2).split(" ");
      // Fields after the name: state(0) ppid(1) … utime(11) stime(12).
      stats.set(Number(e.name), {
        ppid: Number(rest[1]),
        cpu: (Number(rest[11]) + Number(rest[12])) / TICK,
      });
    } catch { /* exited */ }
  }
  const tree = new Set([pid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [p, s] of stats) {
      if (!tree.has(p) && tree.has(s.ppid)) {
        tree.add(p);
        grew = true;
      }
    }
  }
  let cpu = 0;
  for (const p of tree) cpu += stats.get(p)?.cpu ?? 0;
  let rssMb = NaN;
  try {
    const status = await Deno.readTextFile(`/proc/${pid}/status`);
    rssMb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024;
  } catch { /* gone */ }
  return { cpu, rssMb };
}

/** The load average and the busiest other processes, to say what else ran. */
export async function machineLoad(): Promise<string> {
  const load = (await Deno.readTextFile("/proc/loadavg")).split(" ").slice(0, 3).join(" ");
  return `load average ${load}`;
}

/** Makes an h264 clip of a still image (even size, `fps`, `seconds`), or with `filter` applied. */
export async function makeClip(
  image: string,
  out: string,
  opts: { fps: number; seconds: number; filter?: string },
): Promise<void> {
  const pad = "pad=ceil(iw/2)*2:ceil(ih/2)*2";
  const args = [
    "-hide_banner",
    "-loglevel",
    "error",
    "-y",
    "-loop",
    "1",
    "-framerate",
    String(opts.fps),
    "-i",
    image,
    "-t",
    String(opts.seconds),
    ...(opts.filter
      ? ["-filter_complex", `${opts.filter},${pad}[out]`, "-map", "[out]"]
      : ["-vf", pad]),
    "-r",
    String(opts.fps),
    "-c:v",
    "libx264",
    "-preset",
    "veryfast",
    "-pix_fmt",
    "yuv420p",
    out,
  ];
  const { success, stderr } = await new Deno.Command("ffmpeg", { args, stderr: "piped" }).output();
  if (!success) throw new Error(`ffmpeg: ${new TextDecoder().decode(stderr)}`);
}

/** The checkout of `commit` in a temporary folder (git archive), sharing this checkout's node_modules. */
export async function checkoutAt(repo: string, commit: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: `visionroi-${commit.slice(0, 7)}-` });
  const archive = new Deno.Command("git", {
    args: ["-C", repo, "archive", "--format=tar", commit],
    stdout: "piped",
  }).spawn();
  const tar = new Deno.Command("tar", { args: ["-x", "-C", dir], stdin: "piped" }).spawn();
  await archive.stdout.pipeTo(tar.stdin);
  const [a, t] = await Promise.all([archive.status, tar.status]);
  if (!a.success || !t.success) throw new Error(`checkout of ${commit} failed`);
  await Deno.symlink(join(repo, "node_modules"), join(dir, "node_modules"));
  return dir;
}
