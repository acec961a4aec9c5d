/** A small real tmpfs for disk-full tests: needs root and `mount`; tests skip with the reason otherwise. */

/** Why a tmpfs cannot be mounted here, or undefined when it can (tried once, then cached). */
export async function tmpfsUnavailable(): Promise<string | undefined> {
  probe ??= (async () => {
    if (Deno.build.os !== "linux") return `needs Linux (this is ${Deno.build.os})`;
    if (Deno.uid() !== 0) return `needs root to mount a tmpfs (uid ${Deno.uid()})`;
    const dir = await Deno.makeTempDir({ prefix: "tmpfs-probe-" });
    try {
      const mounted = await mountTmpfs(dir, 64 * 1024).catch((err: Error) => err.message);
      if (typeof mounted === "string") return mounted;
      await mounted.unmount();
      return undefined;
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  })();
  return await probe;
}

let probe: Promise<string | undefined> | undefined;

/** A mounted tmpfs. */
export interface Tmpfs {
  dir: string;
  /** Fills every free byte with one file (`name` inside `dir`); returns its size. */
  fill(name?: string): Promise<number>;
  /** Unmounts (lazily when still busy). */
  unmount(): Promise<void>;
}

/** Mounts a tmpfs of `bytes` on the existing folder `dir`. */
export async function mountTmpfs(dir: string, bytes: number): Promise<Tmpfs> {
  await run("mount", ["-t", "tmpfs", "-o", `size=${bytes}`, "tmpfs", dir]);
  return {
    dir,
    fill: (name = ".filler") => fill(`${dir}/${name}`),
    async unmount() {
      await run("umount", [dir]).catch(() => run("umount", ["-l", dir]));
    },
  };
}

async function fill(path: string): Promise<number> {
  const file = await Deno.open(path, { write: true, create: true, append: true });
  const block = new Uint8Array(64 * 1024);
  let total = 0;
  try {
    for (let size = block.length; size >= 1;) {
      try {
        total += file.writeSync(block.subarray(0, size));
      } catch (err) {
        if ((err as { code?: string }).code !== "ENOSPC") throw err;
        size = Math.floor(size / 2);
      }
    }
  } finally {
    file.close();
  }
  return total;
}

async function run(cmd: string, args: string[]): Promise<void> {
  const out = await new Deno.Command(cmd, { args, stdout: "null", stderr: "piped" }).output()
    .catch((err: Error) => {
      throw new Error(`${cmd} failed to run: ${err.message}`);
    });
  if (!out.success) {
    const why = new TextDecoder().decode(out.stderr).trim();
    throw new Error(`${cmd} ${args.join(" ")} failed (${out.code}): ${why}`);
  }
}
