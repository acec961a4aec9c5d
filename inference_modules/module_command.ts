/**
 * The command line of a user module's process: `deno run` of module_host.ts with only the
 * permissions the module has (read its folder and declared data-dir paths; net only to declared
 * hosts), an empty environment but for what deno needs to find its cache, and a heap limit.
 */
import type { ModuleDescriptor } from "./module_types.ts";

/** Options of {@linkcode moduleHostArgs}. */
export interface HostCommandOptions {
  /** Absolute data dir (declared `read` paths are relative to it). */
  dataDir: string;
  /** V8 heap limit in MiB. */
  maxHeapMb: number;
}

/** Arguments after the deno executable; `--allow-*` flags only from the module's permissions. */
export function moduleHostArgs(d: ModuleDescriptor, opts: HostCommandOptions): string[] {
  if (!d.userFolder) throw new TypeError(`module "${d.name}" is not a user module`);
  const net = d.permissions?.net;
  const reads = [d.userFolder, ...(d.permissions?.read ?? []).map((r) => `${opts.dataDir}/${r}`)];
  return [
    "run",
    "--quiet",
    "--no-prompt",
    // Never touch the lock file or fetch code: what the engine imports must be installed already.
    "--frozen",
    "--no-remote",
    `--config=${new URL("../deno.json", import.meta.url).pathname}`,
    `--allow-read=${reads.join(",")}`,
    ...(net === true ? ["--allow-net"] : []),
    ...(Array.isArray(net) && net.length ? [`--allow-net=${net.join(",")}`] : []),
    `--v8-flags=--max-old-space-size=${opts.maxHeapMb}`,
    new URL("./module_host.ts", import.meta.url).pathname,
  ];
}

/** Starts the process with piped stdio and a cleared environment. */
export function spawnModuleHost(d: ModuleDescriptor, opts: HostCommandOptions): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: moduleHostArgs(d, opts),
    clearEnv: true,
    env: hostEnv(),
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** Only what `deno run` needs to find its cache; the module's own env arrives in its context. */
function hostEnv(): Record<string, string> {
  const env: Record<string, string> = { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" };
  for (const key of ["DENO_DIR", "HOME", "XDG_CACHE_HOME", "PATH", "TMPDIR"]) {
    const v = Deno.env.get(key);
    if (v !== undefined) env[key] = v;
  }
  return env;
}

/** Calls `onLine` with each non-empty line of `stream` (cut to 300 characters) until it ends. */
export async function eachLine(
  stream: ReadableStream<Uint8Array>,
  onLine: (line: string) => void,
): Promise<void> {
  let rest = "";
  const decoder = new TextDecoder();
  for await (const bytes of stream) {
    const parts = (rest + decoder.decode(bytes, { stream: true })).split("\n");
    // A line without an end is kept only up to its first 1000 characters.
    rest = parts.pop()!.slice(0, 1000);
    for (const line of parts) if (line.trim()) onLine(line.slice(0, 300));
  }
  if (rest.trim()) onLine(rest.slice(0, 300));
}
