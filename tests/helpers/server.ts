/** A real VisionROI server process on a free loopback port, for end-to-end tests. */

const MOD = new URL("../../mod.ts", import.meta.url).pathname;

/** A running server. */
export interface ServerProcess {
  url: string;
  pid: number;
  child: Deno.ChildProcess;
  /** Output so far (stdout and stderr). */
  output(): string;
  /** SIGKILL (like a crash or `kill -9`) and wait for the exit. */
  kill9(): Promise<void>;
  /** Waits for the process to exit. */
  exited(): Promise<Deno.CommandStatus>;
}

/** Starts `mod.ts` with `--port 0` and resolves once it listens. */
export async function startServer(
  dataDir: string,
  extraArgs: string[] = [],
  opts: { denoArgs?: string[] } = {},
): Promise<ServerProcess> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      ...(opts.denoArgs ?? []),
      "-A",
      MOD,
      "--port",
      "0",
      "--data-dir",
      dataDir,
      ...extraArgs,
    ],
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).spawn();
  let log = "";
  let resolveUrl!: (u: string) => void;
  const urlPromise = new Promise<string>((r) => (resolveUrl = r));
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const dec = new TextDecoder();
    for await (const chunk of stream) {
      log += dec.decode(chunk);
      const m = /listening on (http:\/\/[^/\s]+)\//.exec(log);
      if (m) resolveUrl(m[1]);
    }
  };
  const pumps = Promise.all([pump(child.stdout), pump(child.stderr)]);
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const url = await Promise.race([
    urlPromise,
    status.then((s) => {
      throw new Error(`server exited (${s.code}) before listening:\n${log}`);
    }),
    new Promise<never>((_, rej) => {
      timer = setTimeout(() => rej(new Error(`server did not listen:\n${log}`)), 30_000);
    }),
  ]).finally(() => clearTimeout(timer));
  return {
    url,
    pid: child.pid,
    child,
    output: () => log,
    async kill9() {
      if (!exited) child.kill("SIGKILL");
      await status;
      await pumps;
    },
    async exited() {
      const s = await status;
      await pumps;
      return s;
    },
  };
}
