/** An in-process app over a real system in a temp data dir, for `app.request()` route tests. */
import { loadConfig } from "../../config.ts";
import { createApp } from "../../routes/app.ts";
import { startSystem, type System } from "../../system.ts";
import type { Hono } from "hono";

/** The app, its system, and the temp dirs; `close()` stops everything and removes them. */
export interface TestApp {
  app: Hono;
  system: System;
  /** The data dir. */
  dataDir: string;
  /** A sibling folder outside the data dir that attacks must not touch. */
  outside: string;
  close(): Promise<void>;
}

/** Builds a system without the demo (unless asked) in a fresh temp dir. */
export async function testApp(opts: { demo?: boolean } = {}): Promise<TestApp> {
  const root = await Deno.makeTempDir({ prefix: "visionroi-test-" });
  const dataDir = `${root}/data_sources`;
  const outside = `${root}/outside`;
  await Deno.mkdir(outside);
  await Deno.writeTextFile(`${outside}/keep.txt`, "must survive");
  const config = loadConfig(
    ["--data-dir", dataDir, ...(opts.demo ? [] : ["--no-demo"])],
    () => undefined,
  );
  const system = await startSystem(config);
  const app = createApp({ config, ...system, shutdown: () => system.stop() });
  return {
    app,
    system,
    dataDir,
    outside,
    async close() {
      await system.stop();
      await Deno.remove(root, { recursive: true });
    },
  };
}

/** Every file under `dir` with its size and content hash, to prove nothing changed. */
export async function treeDigest(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string, prefix: string) => {
    for await (const e of Deno.readDir(d)) {
      const rel = prefix + e.name;
      if (e.isDirectory) {
        out[rel + "/"] = "dir";
        await walk(`${d}/${e.name}`, rel + "/");
      } else {
        const bytes = await Deno.readFile(`${d}/${e.name}`);
        const hash = await crypto.subtle.digest("SHA-256", bytes);
        out[rel] = [...new Uint8Array(hash)].map((b) => b.toString(16).padStart(2, "0")).join("");
      }
    }
  };
  await walk(dir, "");
  return out;
}
