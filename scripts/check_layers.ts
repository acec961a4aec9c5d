/**
 * The import-layer check of `deno task check`: imports point down the layers below, never up, and
 * no files or folders import each other in a cycle. The graph comes from `deno info --json` over
 * every source file (tests and `*_test.ts` are left out: they may import anything). Type-only
 * imports count too. Known violations are listed as data with the reason they remain; a new one
 * fails the check, and a listed one that is gone is reported so the list shrinks.
 *
 * Usage: deno run --allow-read --allow-write --allow-run --allow-env scripts/check_layers.ts [ROOT]
 */
import { dirname, join, relative, resolve } from "node:path";
import { pathExists as exists } from "../storage/path_exists.ts";

/** One layer: path prefixes (a folder ends with `/`), highest layer first. */
export interface Layer {
  name: string;
  paths: string[];
}

/**
 * The layers, high to low, as the code stands: an import may go to its own layer or a lower one.
 * A file belongs to the layer of its longest matching prefix.
 */
export const LAYERS: Layer[] = [
  { name: "entry", paths: ["mod.ts", "scripts/", "bench/"] },
  { name: "system", paths: ["system.ts"] },
  { name: "routes", paths: ["routes/"] },
  { name: "islands", paths: ["islands/"] },
  // storage/result_log.ts is the results domain's log (it names sources), not a generic helper.
  { name: "domain", paths: ["actors/", "storage/result_log.ts"] },
  // The desired state, and the entity files and schemas it is backed by (sources, ROI sets): they
  // validate with the modules' ROI geometry and the frames' source-spec rules, so they sit above both.
  {
    name: "state",
    paths: [
      "actors/state/",
      "storage/source_store.ts",
      "storage/roi_schema.ts",
      "storage/roi_store.ts",
      "inference_modules/roi_list.ts",
    ],
  },
  { name: "modules", paths: ["inference_modules/"] },
  // The Frame contract: shared by the cameras and the modules, so it sits below both.
  {
    name: "frames",
    paths: [
      "actors/frame_sources/frame.ts",
      "actors/frame_sources/source_spec.ts",
      "actors/frame_sources/ffmpeg_args.ts",
    ],
  },
  { name: "runtime", paths: ["actors/runtime/", "storage/"] },
  { name: "config", paths: ["config.ts"] },
];

/** Violations the tree has today, each with why it is still there; anything else fails. */
export const KNOWN: { upward: Record<string, string>; cycles: Record<string, string> } = {
  upward: {},
  cycles: {
    "folders: actors/frame_sources, inference_modules, inference_modules/digits, inference_modules/light_button, inference_modules/onnx, inference_modules/rapid_ocr, inference_modules/sevenseg, inference_modules/tesseract_ocr, inference_modules/typhoon_ocr, inference_modules/yolo, storage":
      "the registry in inference_modules/ imports every module, the modules import its shared helpers, and frame_sources/batch_frames.ts uses inference_modules/image_frame.ts while the modules use frame.ts; storage/ holds both generic helpers (errors) and the ROI schema that uses the modules' polygon check; the file-level layers above are clean, and the folder re-layout of issue 11 (frames/, rois/, one folder per module, helpers apart) ends the folder cycle",
  },
};

/** What the check found. */
export interface LayerReport {
  /** `from -> to` imports from a lower layer to a higher one. */
  upward: string[];
  /** `files: a, b` or `folders: a, b` for each cycle (a strongly connected set), members sorted. */
  cycles: string[];
  /** Source files outside every layer (they should be placed). */
  unplaced: string[];
}

/** Index of a path's layer (0 is highest), or undefined when no layer claims it. */
export function layerOf(path: string, layers: Layer[] = LAYERS): number | undefined {
  let best: { index: number; length: number } | undefined;
  layers.forEach((layer, index) => {
    for (const p of layer.paths) {
      const hit = p.endsWith("/") ? path.startsWith(p) : path === p;
      if (hit && (!best || p.length > best.length)) best = { index, length: p.length };
    }
  });
  return best?.index;
}

/** Finds upward imports and cycles in a graph of repo-relative paths. */
export function checkGraph(graph: Map<string, string[]>, layers: Layer[] = LAYERS): LayerReport {
  const upward: string[] = [];
  const unplaced = new Set<string>();
  for (const [from, tos] of graph) {
    const lf = layerOf(from, layers);
    if (lf === undefined) unplaced.add(from);
    for (const to of tos) {
      const lt = layerOf(to, layers);
      if (lt === undefined) unplaced.add(to);
      if (lf !== undefined && lt !== undefined && lt < lf) upward.push(`${from} -> ${to}`);
    }
  }
  // The top folder holds single files of different layers (mod.ts, system.ts, config.ts): no unit.
  const folders = new Map<string, string[]>();
  for (const [from, tos] of graph) {
    const f = folderOf(from);
    if (f === ".") continue;
    const list = folders.get(f) ?? [];
    for (const to of tos) if (folderOf(to) !== f && folderOf(to) !== ".") list.push(folderOf(to));
    folders.set(f, list);
  }
  const cycles = [
    ...cyclesOf(graph).map((c) => `files: ${c.join(", ")}`),
    ...cyclesOf(folders).map((c) => `folders: ${c.join(", ")}`),
  ];
  return { upward: upward.sort(), cycles, unplaced: [...unplaced].sort() };
}

function folderOf(path: string): string {
  return dirname(path);
}

/** Strongly connected sets of more than one node, or a node that imports itself (Tarjan). */
export function cyclesOf(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const out: string[][] = [];
  let next = 0;
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const scc: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      scc.push(w);
    } while (w !== v);
    if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(scc.sort());
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return out.sort((a, b) => a[0].localeCompare(b[0]));
}

const SKIP_DIRS = new Set(["node_modules", "dist", "data_sources", "tests", "testdata"]);

/** Source files of a tree (`.ts`, `.tsx`), tests and hidden folders left out. */
export async function sourceFiles(root: string, dir = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(join(root, dir))) {
    const rel = dir ? `${dir}/${e.name}` : e.name;
    if (e.isDirectory) {
      if (!e.name.startsWith(".") && !SKIP_DIRS.has(e.name)) {
        out.push(...await sourceFiles(root, rel));
      }
    } else if (/\.tsx?$/.test(e.name) && !/_test\.tsx?$/.test(e.name)) out.push(rel);
  }
  return out.sort();
}

/** The import graph of a tree's source files, from one `deno info --json` run. */
export async function moduleGraph(root: string): Promise<Map<string, string[]>> {
  const abs = resolve(root);
  const files = await sourceFiles(abs);
  const entry = await Deno.makeTempFile({ prefix: "check_layers_", suffix: ".ts" });
  try {
    const url = (f: string) => new URL(`file://${join(abs, f)}`).href;
    await Deno.writeTextFile(
      entry,
      files.map((f) => `import ${JSON.stringify(url(f))};`).join("\n"),
    );
    const config = await exists(join(abs, "deno.json"))
      ? ["--config", join(abs, "deno.json")]
      : ["--no-config"];
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["info", "--json", ...config, entry],
      cwd: abs,
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!out.success) throw new Error(`deno info failed: ${new TextDecoder().decode(out.stderr)}`);
    const info = JSON.parse(new TextDecoder().decode(out.stdout)) as DenoInfo;
    const graph = new Map<string, string[]>(files.map((f) => [f, []]));
    for (const m of info.modules) {
      if (!m.local?.startsWith(abs + "/")) continue;
      const from = relative(abs, m.local);
      if (!graph.has(from)) continue;
      const deps = new Set<string>();
      for (const d of m.dependencies ?? []) {
        for (const s of [d.code?.specifier, d.type?.specifier]) {
          if (!s?.startsWith("file://")) continue;
          const to = relative(abs, decodeURIComponent(new URL(s).pathname));
          if (!to.startsWith("..") && graph.has(to)) deps.add(to);
        }
      }
      graph.set(from, [...deps].sort());
    }
    return graph;
  } finally {
    await Deno.remove(entry);
  }
}

interface DenoInfo {
  modules: {
    local?: string;
    dependencies?: { code?: { specifier?: string }; type?: { specifier?: string } }[];
  }[];
}

/** The report minus the known violations, and the known ones no longer found. */
export function newViolations(report: LayerReport, known = KNOWN) {
  return {
    upward: report.upward.filter((u) => !(u in known.upward)),
    cycles: report.cycles.filter((c) => !(c in known.cycles)),
    unplaced: report.unplaced,
    stale: [
      ...Object.keys(known.upward).filter((u) => !report.upward.includes(u)),
      ...Object.keys(known.cycles).filter((c) => !report.cycles.includes(c)),
    ],
  };
}

if (import.meta.main) {
  const root = Deno.args[0] ?? ".";
  const found = newViolations(checkGraph(await moduleGraph(root)));
  for (const u of found.upward) console.error(`upward import: ${u}`);
  for (const c of found.cycles) console.error(`import cycle: ${c}`);
  for (const f of found.unplaced) console.error(`no layer for ${f}: add it to LAYERS`);
  for (const s of found.stale) console.warn(`fixed, remove from KNOWN: ${s}`);
  const bad = found.upward.length + found.cycles.length + found.unplaced.length;
  if (bad > 0) {
    console.error(
      `layer check: ${bad} problem(s); layers high to low: ${
        LAYERS.map((l) => l.name).join(" > ")
      }`,
    );
    Deno.exit(1);
  }
  console.log("layer check: imports point down, no cycles");
}
