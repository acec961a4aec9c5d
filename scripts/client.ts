/**
 * `deno task client`: batch tasks against a running server.
 *
 *   upload FILE… (--source NAME | --rois ROIS.json) [--group G] [--every-n-frames N | --fps X]
 *          [--name LABEL] [--wait] [--download DIR] [--format csv|json]
 *   status ID | list [--status S] | cancel ID | delete ID | download ID DIR [--format csv|json]
 *
 * `--server URL` (env VISIONROI_URL, default http://127.0.0.1:5000), `--token T` (env
 * VISIONROI_TOKEN). Uploads stream from disk with a progress bar; `--wait` follows the task.
 */
import { parseArgs } from "node:util";
import { basename, join } from "node:path";
import { multipartStream } from "./multipart_stream.ts";
import { formatBytes, ProgressBar } from "./progress_bar.ts";

type Json = Record<string, unknown>;
type Flags = ReturnType<typeof flags>;

const USAGE = "usage: deno task client upload FILE… (--source NAME | --rois ROIS.json) " +
  "[--wait] [--download DIR] | status ID | list | cancel ID | delete ID | download ID DIR";

function flags(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    options: {
      server: { type: "string" },
      token: { type: "string" },
      source: { type: "string" },
      rois: { type: "string" },
      group: { type: "string" },
      "every-n-frames": { type: "string" },
      fps: { type: "string" },
      name: { type: "string" },
      wait: { type: "boolean" },
      download: { type: "string" },
      format: { type: "string" },
      status: { type: "string" },
    },
  });
}

/** A client of one server. */
class Client {
  constructor(readonly base: string, readonly token?: string) {}

  headers(extra: Record<string, string> = {}): Record<string, string> {
    return this.token ? { ...extra, authorization: `Bearer ${this.token}` } : extra;
  }

  /** Sends a request; a non-2xx answer throws with the server's message. */
  async call(path: string, init: RequestInit = {}): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, {
        ...init,
        headers: this.headers(init.headers as Record<string, string>),
      });
    } catch (err) {
      // fetch throws a TypeError when nothing answers (refused, unknown host, reset).
      if (!(err instanceof TypeError)) throw err;
      throw new Error(
        `no VisionROI server answered at ${this.base} (${err.message}). Start it ` +
          "(deno task start) or point the client at it: --server URL or VISIONROI_URL=URL.",
      );
    }
    if (!res.ok) {
      const text = await res.text();
      let message = text;
      try {
        message = (JSON.parse(text) as Json).message as string ?? text;
      } catch (err) {
        if (!(err instanceof SyntaxError)) throw err; // not JSON: show the text as it is
      }
      throw new Error(`${res.status}: ${message}`);
    }
    return res;
  }

  async json(path: string, init: RequestInit = {}): Promise<Json> {
    return await (await this.call(path, init)).json() as Json;
  }
}

/** Refuses a `--source` the server does not have, before any file is sent. */
async function checkSource(client: Client, name: string): Promise<void> {
  const names = await (await client.call("/data_sources")).json() as string[];
  if (names.includes(name)) return;
  const known = names.length ? `known: ${names.join(", ")}` : "it has none yet";
  throw new RangeError(`no source ${JSON.stringify(name)} on ${client.base} (${known})`);
}

async function upload(client: Client, files: string[], f: Flags["values"]): Promise<string> {
  if (f.source) await checkSource(client, f.source);
  const fields: Record<string, string> = {};
  if (f.source) fields.source = f.source;
  if (f.rois) fields.rois = await Deno.readTextFile(f.rois);
  if (f.group) fields.group = f.group;
  if (f["every-n-frames"]) fields.every_n_frames = f["every-n-frames"];
  if (f.fps) fields.fps = f.fps;
  if (f.name) fields.name = f.name;
  const sizes = await Promise.all(files.map(async (p) => (await Deno.stat(p)).size));
  const total = sizes.reduce((a, b) => a + b, 0);
  const bar = new ProgressBar();
  let sent = 0;
  const parts = await Promise.all(files.map(async (path) => ({
    filename: basename(path),
    stream: (await Deno.open(path)).readable.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, ctl) {
          sent += chunk.byteLength;
          bar.draw(sent / total, `upload ${formatBytes(sent)} / ${formatBytes(total)}`);
          ctl.enqueue(chunk);
        },
      }),
    ),
  })));
  const { body, contentType } = multipartStream(fields, parts);
  try {
    const answer = await client.json("/api/batch", {
      method: "POST",
      body,
      headers: { "content-type": contentType },
    });
    return String(answer.task_id);
  } finally {
    bar.done();
  }
}

/** Follows a task with a progress bar until it ends; returns its final state. */
async function follow(client: Client, id: string): Promise<Json> {
  const bar = new ProgressBar();
  try {
    for (;;) {
      const t = await client.json(`/api/batch/${id}`);
      const label = `${t.status} ${t.frames_done}/${t.frames_expected} frames, ` +
        `${t.roi_reads} reads, ${t.errors} errors`;
      bar.draw(Number(t.progress) / 100, label);
      if (!["pending", "processing"].includes(String(t.status))) return t;
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    bar.done();
  }
}

async function download(client: Client, id: string, dir: string, format = "csv"): Promise<string> {
  if (format !== "csv" && format !== "json") throw new RangeError(`invalid --format ${format}`);
  await Deno.mkdir(dir, { recursive: true });
  const path = join(dir, `batch-${id}.${format}`);
  const res = await client.call(`/api/batch/${id}/results?format=${format}`);
  await res.body!.pipeTo((await Deno.create(path)).writable);
  return path;
}

function row(t: Json): string {
  return [t.task_id, t.status, `${t.progress}%`, `${t.frames_done}/${t.frames_expected}`, t.name]
    .join("\t");
}

async function main(args: string[]): Promise<number> {
  const { values: f, positionals: [cmd, ...rest] } = flags(args);
  const client = new Client(
    (f.server ?? Deno.env.get("VISIONROI_URL") ?? "http://127.0.0.1:5000").replace(/\/$/, ""),
    f.token ?? Deno.env.get("VISIONROI_TOKEN"),
  );
  if (cmd === "upload" && rest.length) {
    const id = await upload(client, rest, f);
    console.log(id);
    if (!f.wait && !f.download) return 0;
    const end = await follow(client, id);
    if (end.status !== "completed") {
      console.error(`task ${id} ${end.status}${end.error ? `: ${end.error}` : ""}`);
      return 1;
    }
    if (f.download) console.log(await download(client, id, f.download, f.format));
    return 0;
  }
  if (cmd === "status" && rest[0]) {
    console.log(JSON.stringify(await client.json(`/api/batch/${rest[0]}`), null, 2));
  } else if (cmd === "list") {
    const q = f.status ? `?status=${encodeURIComponent(f.status)}` : "";
    for (const t of (await client.json(`/api/batch${q}`)).tasks as Json[]) console.log(row(t));
  } else if (cmd === "cancel" && rest[0]) {
    console.log(row(await client.json(`/api/batch/${rest[0]}/cancel`, { method: "POST" })));
  } else if (cmd === "delete" && rest[0]) {
    await client.json(`/api/batch/${rest[0]}`, { method: "DELETE" });
    console.log(`deleted ${rest[0]}`);
  } else if (cmd === "download" && rest[1]) {
    console.log(await download(client, rest[0], rest[1], f.format));
  } else {
    console.error(USAGE);
    return 2;
  }
  return 0;
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (err) {
    console.error(`client: ${(err as Error).message}`);
    Deno.exit(1);
  }
}
