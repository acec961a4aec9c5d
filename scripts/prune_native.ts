/**
 * `deno task prune`: removes the native binaries in `node_modules` that this machine can never
 * load. onnxruntime-node ships one package with every platform's runtime (288 MB, of which 45 MB
 * are linux-x64's; the ecosystem offers no per-platform package as sharp does), and Deno installs
 * sharp's libvips for both glibc and musl. What stays is exactly what `require` picks here
 * (`bin/napi-v6/<platform>/<arch>`, the libvips of this libc), so nothing is replaced or patched.
 *
 * Idempotent and quick (a few `stat`s once pruned); `deno task start` runs it after the packages
 * are installed. Files that are hard links into Deno's npm cache only lose this link: the cache
 * keeps its copy until `deno clean`.
 */
import { join } from "node:path";

const ROOT = new URL("../", import.meta.url).pathname;

/** Node's names for this platform and architecture, as native packages use them. */
export function nodePlatform(): { platform: string; arch: string } {
  const platform = Deno.build.os === "windows" ? "win32" : Deno.build.os;
  const arch = Deno.build.arch === "x86_64" ? "x64" : "arm64";
  return { platform, arch };
}

/** Whether this Linux runs on musl (Alpine) rather than glibc. */
function isMusl(): boolean {
  if (Deno.build.os !== "linux") return false;
  for (const dir of ["/lib", "/usr/lib"]) {
    try {
      for (const e of Deno.readDirSync(dir)) if (e.name.startsWith("ld-musl-")) return true;
    } catch { /* no such dir */ }
  }
  return false;
}

/** Bytes under `path` (files only). */
async function sizeOf(path: string): Promise<number> {
  const info = await Deno.lstat(path);
  if (!info.isDirectory) return info.size;
  let total = 0;
  for await (const e of Deno.readDir(path)) total += await sizeOf(join(path, e.name));
  return total;
}

/** The paths this machine cannot use, under `nodeModules` (a `node_modules` with Deno's layout). */
export async function unusedNative(
  nodeModules: string,
  host = { ...nodePlatform(), musl: isMusl() },
): Promise<string[]> {
  const store = join(nodeModules, ".deno");
  const out: string[] = [];
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(store)];
  } catch {
    return out;
  }
  for (const e of entries) {
    if (e.name.startsWith("onnxruntime-node@")) {
      const bin = join(store, e.name, "node_modules", "onnxruntime-node", "bin");
      for (const napi of await list(bin)) {
        for (const platform of await list(join(bin, napi))) {
          for (const arch of await list(join(bin, napi, platform))) {
            if (platform !== host.platform || arch !== host.arch) {
              out.push(join(bin, napi, platform, arch));
            }
          }
        }
      }
    }
    // @img+sharp-libvips-linuxmusl-x64@1.3.4 on glibc, @img+sharp-libvips-linux-x64@… on musl.
    const vips = /^@img\+sharp-libvips-(linux|linuxmusl)-[a-z0-9]+@/.exec(e.name);
    if (vips && host.platform === "linux" && (vips[1] === "linuxmusl") !== host.musl) {
      const pkg = e.name.slice("@img+".length, e.name.lastIndexOf("@"));
      const lib = join(store, e.name, "node_modules", "@img", pkg, "lib");
      if (await exists(lib)) out.push(lib);
    }
  }
  return out.sort();
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

async function list(dir: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) if (e.isDirectory) names.push(e.name);
  } catch { /* missing */ }
  return names;
}

if (import.meta.main) {
  const nodeModules = join(ROOT, "node_modules");
  let freed = 0;
  const removed: string[] = [];
  for (const path of await unusedNative(nodeModules)) {
    freed += await sizeOf(path);
    await Deno.remove(path, { recursive: true });
    removed.push(path.slice(nodeModules.length + 1));
  }
  if (removed.length > 0) {
    console.log(
      `prune: removed ${removed.length} native folders for other platforms ` +
        `(${(freed / 1e6).toFixed(0)} MB): ${removed.join(", ")}`,
    );
  }
}
