/**
 * `deno task build`: bundles each `islands/*.tsx` into `dist/ui/` with native esbuild (shared
 * chunks split out, content-hashed names) and writes `dist/ui/app-<hash>.css` (VisionROI's styles
 * plus uPlot's) and `dist/ui/manifest.json`, which the pages read to name their scripts.
 * `--if-stale` (what `deno task start` runs) skips the build when the bundle is newer than every
 * input.
 */
import * as esbuild from "esbuild";
import { gzipSync } from "node:zlib";

const ROOT = new URL("../", import.meta.url).pathname;

/** Where the bundle goes. */
export const UI_DIR = `${ROOT}dist/ui`;

/** What the pages need to know about a build. */
export interface UiManifest {
  /** Island name → its entry script (relative to `/static/ui/`). */
  islands: Record<string, string>;
  /** The stylesheet (relative to `/static/ui/`). */
  css: string;
  /** Island name → every script its page loads (entry first, then the chunks it imports). */
  island_files: Record<string, string[]>;
  /** Every output file with its size and gzip size in bytes. */
  files: Record<string, { bytes: number; gzip: number }>;
  /** Build time (ms since epoch). */
  built_at: number;
}

/** The island names: every `islands/*.tsx` (PascalCase file = exported component). */
export async function islandNames(root = ROOT): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(`${root}islands`)) {
    if (e.isFile && /^[A-Z]\w*\.tsx$/.test(e.name)) names.push(e.name.slice(0, -4));
  }
  return names.sort();
}

/** Newest modification time (ms) of the files that make the bundle. */
async function newestInput(dir: string): Promise<number> {
  let newest = 0;
  for await (const e of Deno.readDir(dir)) {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory) newest = Math.max(newest, await newestInput(path));
    else newest = Math.max(newest, (await Deno.stat(path)).mtime?.getTime() ?? 0);
  }
  return newest;
}

/** True when `dist/ui/manifest.json` is missing or older than an island, store, style or the lock. */
export async function uiIsStale(): Promise<boolean> {
  let built: number;
  try {
    built = (await Deno.stat(`${UI_DIR}/manifest.json`)).mtime?.getTime() ?? 0;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return true;
    throw err;
  }
  const inputs = Math.max(
    await newestInput(`${ROOT}islands`),
    (await Deno.stat(`${ROOT}deno.lock`)).mtime?.getTime() ?? 0,
    (await Deno.stat(new URL(import.meta.url).pathname)).mtime?.getTime() ?? 0,
  );
  return inputs > built;
}

/** Resolves `island:<Name>` to a generated entry that imports the island and hydrates it. */
const islandEntries: esbuild.Plugin = {
  name: "island-entries",
  setup(build) {
    build.onResolve(
      { filter: /^island:/ },
      (a) => ({ path: a.path.slice(7), namespace: "island" }),
    );
    build.onLoad({ filter: /.*/, namespace: "island" }, (a) => ({
      contents: `import { hydrateIsland } from "./islands/stores/hydrate.ts";\n` +
        `import { ${a.path} } from "./islands/${a.path}.tsx";\n` +
        `hydrateIsland(${JSON.stringify(a.path)}, ${a.path});\n`,
      resolveDir: ROOT,
      loader: "ts",
    }));
  },
};

async function hashName(prefix: string, bytes: Uint8Array, ext: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as BufferSource));
  const hex = [...digest.slice(0, 5)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${prefix}-${hex}.${ext}`;
}

/** Builds the bundle into `dist/ui/` (replacing it) and returns the manifest. */
export async function buildUi(opts: { minify?: boolean } = {}): Promise<UiManifest> {
  const names = await islandNames();
  // No wipe first: names are content-hashed, so a running server keeps serving the old files
  // until the new manifest (written last, atomically) points at the new ones.
  const result = await esbuild.build({
    entryPoints: names.map((n) => ({ in: `island:${n}`, out: n })),
    plugins: [islandEntries],
    absWorkingDir: ROOT,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "browser",
    target: "es2020",
    outdir: UI_DIR,
    entryNames: "[name]-[hash]",
    chunkNames: "chunks/[name]-[hash]",
    minify: opts.minify ?? true,
    jsx: "automatic",
    jsxImportSource: "preact",
    metafile: true,
    logLevel: "warning",
  });
  await esbuild.stop();
  const islands: Record<string, string> = {};
  for (const [out, meta] of Object.entries(result.metafile.outputs)) {
    const name = meta.entryPoint?.replace(/^island:/, "");
    if (name) islands[name] = out.slice(out.indexOf("dist/ui/") + 8);
  }
  const css = new TextEncoder().encode(
    (await Deno.readTextFile(`${ROOT}islands/app.css`)) + "\n" +
      (await Deno.readTextFile(`${ROOT}node_modules/uplot/dist/uPlot.min.css`)),
  );
  const cssName = await hashName("app", css, "css");
  await Deno.writeFile(`${UI_DIR}/${cssName}`, css);
  const islandFiles = Object.fromEntries(
    Object.entries(islands).map(([name, file]) => [name, closure(result.metafile, file)]),
  );
  const manifest: UiManifest = {
    islands,
    css: cssName,
    island_files: islandFiles,
    files: {},
    built_at: Date.now(),
  };
  for (const rel of [...Object.values(islands), cssName, ...chunkFiles(result.metafile)]) {
    const bytes = await Deno.readFile(`${UI_DIR}/${rel}`);
    manifest.files[rel] = { bytes: bytes.length, gzip: gzipSync(bytes).length };
  }
  await Deno.writeTextFile(`${UI_DIR}/manifest.json.tmp`, JSON.stringify(manifest, null, 2));
  await Deno.rename(`${UI_DIR}/manifest.json.tmp`, `${UI_DIR}/manifest.json`);
  await prune(UI_DIR, new Set([...Object.keys(result.metafile.outputs).map(rel), cssName]));
  return manifest;
}

const rel = (o: string) => o.slice(o.indexOf("dist/ui/") + 8);

/** Files older than this that no build output names are removed (pages still open may use them). */
const STALE_MS = 10 * 60_000;

/** Removes old files of earlier builds from `dir` (not the manifest, not this build's outputs). */
async function prune(dir: string, keep: Set<string>, sub = ""): Promise<void> {
  for await (const e of Deno.readDir(`${dir}/${sub}`)) {
    const path = sub ? `${sub}/${e.name}` : e.name;
    if (e.isDirectory) {
      await prune(dir, keep, path);
      continue;
    }
    if (keep.has(path) || path === "manifest.json") continue;
    const age = Date.now() - ((await Deno.stat(`${dir}/${path}`)).mtime?.getTime() ?? 0);
    if (age > STALE_MS) await Deno.remove(`${dir}/${path}`);
  }
}

/** `file` and every chunk it imports, transitively (paths relative to dist/ui/). */
function closure(meta: esbuild.Metafile, file: string): string[] {
  const byRel = new Map(Object.entries(meta.outputs).map(([o, m]) => [rel(o), m]));
  const seen = new Set<string>();
  const visit = (f: string) => {
    if (seen.has(f)) return;
    seen.add(f);
    for (const i of byRel.get(f)?.imports ?? []) {
      if (i.kind === "import-statement") visit(rel(i.path));
    }
  };
  visit(file);
  return [...seen];
}

function chunkFiles(meta: esbuild.Metafile): string[] {
  return Object.keys(meta.outputs).map((o) => o.slice(o.indexOf("dist/ui/") + 8)).filter((o) =>
    o.startsWith("chunks/") && o.endsWith(".js")
  );
}

if (import.meta.main) {
  if (Deno.args.includes("--if-stale") && !(await uiIsStale())) Deno.exit(0);
  const t0 = performance.now();
  const m = await buildUi();
  const total = Object.values(m.files).reduce((n, f) => n + f.gzip, 0);
  console.log(
    `build: ${Object.keys(m.islands).length} islands → dist/ui (${
      (total / 1024).toFixed(1)
    } KiB gzip) in ${Math.round(performance.now() - t0)} ms`,
  );
}
