/**
 * Memory, startup and install footprint of a real server, measured from this separate client
 * process through the public API only, side by side with the code as it was before (commit
 * BENCH_MEMORY_BASE, default a0e8d13), both checked out into temporary git worktrees in the same
 * run (the code measured is BENCH_MEMORY_AFTER, default HEAD: commit first).
 *
 * Per run and tree (BENCH_MEMORY_RUNS, default 3, trees alternating): `deno task start` with a
 * fresh data dir and a fresh UI bundle — time to `/_healthz` 200 and to the demo's first reading,
 * then the demo job's RSS; an idle server (`--no-demo`) once its workers are ready; the capacity
 * case: 4 sources on one 30 fps video of the HMI panel, the same 12 text ROIs on each (rapid_ocr,
 * default params), 4 jobs at interval 0, RSS sampled every second for BENCH_MEMORY_SOAK_S (120).
 * RSS is the server process's own (VmRSS); its ffmpeg children are reported apart.
 */
import { join } from "node:path";
import { type BenchSection, median } from "./section.ts";

const FIXTURE = new URL("../../shared/fixtures/hmi_screen/", import.meta.url).pathname;
const HERE = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

interface TreeFigures {
  healthzS: number;
  firstDemoResultS: number;
  demoRssMb: number;
  idleRssMb: number;
  capacity: CapacityFigures;
}

interface CapacityFigures {
  rssMedianMb: number;
  rssMinMb: number;
  rssMaxMb: number;
  /** (max − min) / min over the soak, percent. */
  swingPct: number;
  readsPerSecond: number;
  errors: number;
  /** ROIs whose last reading equals the fixture's expected text (of 12, on camera 1). */
  right: number;
  ffmpegRssMb: number;
}

/** Runs the section. */
export async function run(): Promise<BenchSection> {
  const base = Deno.env.get("BENCH_MEMORY_BASE") ?? "a0e8d13";
  const runs = Number(Deno.env.get("BENCH_MEMORY_RUNS") ?? 3);
  const soakS = Number(Deno.env.get("BENCH_MEMORY_SOAK_S") ?? 120);
  /** One extra soak of the "after" tree, s (0: none). */
  const longSoakS = Number(Deno.env.get("BENCH_MEMORY_LONG_SOAK_S") ?? 600);
  /** Only this tree ("before" or "after"), for trying the harness. */
  const only = Deno.env.get("BENCH_MEMORY_ONLY");
  const after = Deno.env.get("BENCH_MEMORY_AFTER") ?? "HEAD";
  const tmp = await Deno.makeTempDir({ prefix: "visionroi-membench-" });
  const oldTree = join(tmp, "before");
  const newTree = join(tmp, "after");
  // Both from git, so edits in the working tree during the run change neither.
  await sh(HERE, "git", ["worktree", "add", "--detach", oldTree, base]);
  await sh(HERE, "git", ["worktree", "add", "--detach", newTree, after]);
  try {
    await sh(oldTree, Deno.execPath(), ["install"]);
    await sh(newTree, Deno.execPath(), ["install"]);
    const clip = await makeClip(tmp);
    const trees = { before: oldTree, after: newTree };
    const figures: Record<string, TreeFigures[]> = { before: [], after: [] };
    const loadBefore = await loadAverage();
    for (let i = 0; i < runs; i++) {
      for (const [label, dir] of Object.entries(trees)) {
        console.log(`memory: run ${i + 1}/${runs}, ${label}`);
        if (only && only !== label) continue;
        const f = await measureTree(dir, tmp, clip, soakS);
        console.log(`memory: ${label}: ${JSON.stringify(f)}`);
        figures[label].push(f);
      }
    }
    // One long soak of the code under test: does its memory stay steady for minutes?
    const longSoak = longSoakS > 0 && only !== "before"
      ? await capacityCase(newTree, tmp, clip, longSoakS)
      : undefined;
    const loadAfter = await loadAverage();
    const footprint = await nodeModulesFootprint(newTree);
    const footprintBefore = await nodeModulesFootprint(oldTree);
    const data = {
      base,
      afterCommit: await sh(newTree, "git", ["rev-parse", "--short", "HEAD"]).then((s) => s.trim()),
      runs,
      soakS,
      longSoakS,
      longSoak,
      loadAverage: { before: loadBefore, after: loadAfter },
      before: summarize(figures.before),
      after: summarize(figures.after),
      raw: figures,
      footprint,
      footprintBefore,
    };
    return { title: "Memory, startup and install footprint", markdown: table(data), data };
  } finally {
    await sh(HERE, "git", ["worktree", "remove", "--force", oldTree]).catch(() => {});
    await sh(HERE, "git", ["worktree", "remove", "--force", newTree]).catch(() => {});
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
}

async function measureTree(tree: string, tmp: string, clip: string, soakS: number) {
  const startup = await startupAndDemo(tree, tmp);
  const idleRssMb = await idle(tree, tmp);
  const capacity = await capacityCase(tree, tmp, clip, soakS);
  return { ...startup, idleRssMb, capacity };
}

/** `deno task start` with a fresh data dir; the bundle was built fresh before (the task checks it). */
async function startupAndDemo(tree: string, tmp: string) {
  await sh(tree, Deno.execPath(), ["task", "build"]);
  const data = await Deno.makeTempDir({ dir: tmp });
  const t0 = performance.now();
  const server = spawnServer(tree, ["task", "start", "--port", "0", "--data-dir", data]);
  try {
    const url = await server.url;
    await poll(async () => (await fetchOk(`${url}/_healthz`)) ? true : undefined, 20, 60_000);
    const healthzS = (performance.now() - t0) / 1000;
    // The demo's readouts: `digits` before, `sevenseg` since this session.
    const demoReads = async () => (await readsOk(url, "digits")) + (await readsOk(url, "sevenseg"));
    await poll(async () => (await demoReads()) > 0 ? true : undefined, 50, 60_000);
    const firstDemoResultS = (performance.now() - t0) / 1000;
    await sleep(20_000);
    const pid = await serverPid(server.child.pid);
    const samples: number[] = [];
    for (let i = 0; i < 10; i++) {
      samples.push(await rssMb(pid));
      await sleep(1000);
    }
    return { healthzS, firstDemoResultS, demoRssMb: median(samples) };
  } finally {
    await server.stop();
  }
}

async function idle(tree: string, tmp: string): Promise<number> {
  const data = await Deno.makeTempDir({ dir: tmp });
  const server = spawnServer(tree, [
    "run",
    "-A",
    "mod.ts",
    "--port",
    "0",
    "--data-dir",
    data,
    "--no-demo",
  ]);
  try {
    const url = await server.url;
    await poll(
      async () => (await gauge(url, "visionroi_pool_workers")) >= 1 ? true : undefined,
      100,
      60_000,
    );
    // Workers load what they preload within a few seconds; then the figure is steady.
    await sleep(15_000);
    const samples: number[] = [];
    for (let i = 0; i < 5; i++) {
      samples.push(await rssMb(server.child.pid));
      await sleep(1000);
    }
    return median(samples);
  } finally {
    await server.stop();
  }
}

async function capacityCase(
  tree: string,
  tmp: string,
  clip: string,
  soakS: number,
): Promise<CapacityFigures> {
  const data = await Deno.makeTempDir({ dir: tmp });
  const spec = JSON.parse(await Deno.readTextFile(join(FIXTURE, "screen_ocr.rois.json")));
  const rois = (spec.rois as Record<string, unknown>[])
    .filter((r) => r.module !== "light_button")
    .map(({ expected: _e, expected_value: _v, ...r }) => ({
      ...r,
      module: "rapid_ocr",
      params: {},
    }));
  const expected = new Map(
    (spec.rois as { id: string; expected: string }[]).map((r) => [r.id, norm(r.expected)]),
  );
  const server = spawnServer(tree, [
    "run",
    "-A",
    "mod.ts",
    "--port",
    "0",
    "--data-dir",
    data,
    "--no-demo",
  ]);
  try {
    const url = await server.url;
    for (let i = 1; i <= 4; i++) {
      const form = new FormData();
      form.set("name", `hmi${i}`);
      form.set("source", clip);
      form.set("stream_type", "ffmpeg");
      const r = await fetch(`${url}/create_source`, { method: "POST", body: form });
      if (!r.ok) throw new Error(`create_source: ${r.status} ${await r.text()}`);
      await r.body?.cancel();
    }
    for (let i = 1; i <= 4; i++) {
      const r = await fetch(`${url}/start_inference/cam${i}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: `hmi${i}`, rois, interval: 0 }),
      });
      const body = await r.json();
      if (body.status !== "started") throw new Error(`start_inference: ${JSON.stringify(body)}`);
    }
    await poll(async () => (await readsOk(url, "rapid_ocr")) > 48 ? true : undefined, 200, 120_000);
    await sleep(10_000);
    const reads0 = await readsOk(url, "rapid_ocr");
    const errors0 = await readsOk(url, "rapid_ocr", "error");
    const t0 = performance.now();
    const samples: number[] = [];
    while (performance.now() - t0 < soakS * 1000) {
      samples.push(await rssMb(server.child.pid));
      await sleep(1000);
    }
    const elapsed = (performance.now() - t0) / 1000;
    const reads = (await readsOk(url, "rapid_ocr")) - reads0;
    const errors = (await readsOk(url, "rapid_ocr", "error")) - errors0;
    let ffmpegRssMb = 0;
    for (const pid of await children(server.child.pid)) ffmpegRssMb += await rssMb(pid);
    const from = Date.now() / 1000 - 60;
    const { rows } = await (await fetch(`${url}/api/results?source=hmi1&from=${from}`)).json() as {
      rows: { roi_id: string; text: string }[];
    };
    const last = new Map<string, string>();
    for (const row of rows) last.set(row.roi_id, norm(row.text)); // oldest first
    const right = [...last].filter(([id, text]) => expected.get(id) === text).length;
    const min = Math.min(...samples);
    const max = Math.max(...samples);
    return {
      rssMedianMb: median(samples),
      rssMinMb: min,
      rssMaxMb: max,
      swingPct: ((max - min) / min) * 100,
      readsPerSecond: reads / elapsed,
      errors,
      right,
      ffmpegRssMb,
    };
  } finally {
    await server.stop();
  }
}

function norm(s: string): string {
  return String(s ?? "").replace(/\s+/g, " ").trim();
}

interface Spawned {
  child: Deno.ChildProcess;
  url: Promise<string>;
  stop(): Promise<void>;
}

function spawnServer(tree: string, args: string[]): Spawned {
  const child = new Deno.Command(Deno.execPath(), {
    args,
    cwd: tree,
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).spawn();
  let log = "";
  let found!: (u: string) => void;
  const url = new Promise<string>((r) => (found = r));
  const pump = async (s: ReadableStream<Uint8Array>) => {
    const dec = new TextDecoder();
    for await (const chunk of s) {
      log += dec.decode(chunk);
      if (log.length > 200_000) log = log.slice(-100_000);
      const m = /listening on (http:\/\/[^/\s]+)\//.exec(log);
      if (m) found(m[1]);
    }
  };
  const pumps = Promise.all([pump(child.stdout), pump(child.stderr)]);
  const timeout = setTimeout(() => console.error(`server did not listen:\n${log}`), 60_000);
  void url.then(() => clearTimeout(timeout));
  return {
    child,
    url,
    async stop() {
      clearTimeout(timeout);
      const pid = await serverPid(child.pid).catch(() => child.pid);
      try {
        Deno.kill(pid, "SIGTERM");
        if (pid !== child.pid) child.kill("SIGTERM");
      } catch { /* already gone */ }
      const killer = setTimeout(() => {
        try {
          child.kill("SIGKILL");
          if (pid !== child.pid) Deno.kill(pid, "SIGKILL");
        } catch { /* gone */ }
      }, 8000);
      await child.status;
      clearTimeout(killer);
      await pumps;
    },
  };
}

/** The server process under `deno task` (the deno process running mod.ts), else `pid` itself. */
async function serverPid(pid: number): Promise<number> {
  const cmd = await Deno.readTextFile(`/proc/${pid}/cmdline`).catch(() => "");
  if (cmd.includes("mod.ts")) return pid;
  for (const c of await children(pid)) {
    const found = await serverPid(c).catch(() => 0);
    if (found) return found;
  }
  return 0;
}

async function children(pid: number): Promise<number[]> {
  const out: number[] = [];
  for await (const t of Deno.readDir(`/proc/${pid}/task`)) {
    const text = await Deno.readTextFile(`/proc/${pid}/task/${t.name}/children`).catch(() => "");
    out.push(...text.trim().split(/\s+/).filter(Boolean).map(Number));
  }
  return out;
}

async function rssMb(pid: number): Promise<number> {
  const s = await Deno.readTextFile(`/proc/${pid}/status`);
  return Number(/VmRSS:\s+(\d+)/.exec(s)?.[1] ?? NaN) / 1024;
}

async function fetchOk(url: string): Promise<boolean> {
  try {
    const r = await fetch(url);
    await r.body?.cancel();
    return r.ok;
  } catch {
    return false;
  }
}

async function metricsText(url: string): Promise<string> {
  const r = await fetch(`${url}/metrics`);
  return await r.text();
}

async function gauge(url: string, name: string): Promise<number> {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, "m").exec(await metricsText(url));
  return m ? Number(m[1]) : 0;
}

/** `visionroi_roi_reads_total` of one module and outcome (ok by default). */
async function readsOk(url: string, module: string, outcome = "ok"): Promise<number> {
  const text = await metricsText(url);
  let n = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith("visionroi_roi_reads_total{")) continue;
    if (line.includes(`module="${module}"`) && line.includes(`outcome="${outcome}"`)) {
      n += Number(line.split(" ").pop());
    }
  }
  return n;
}

async function poll<T>(f: () => Promise<T | undefined>, everyMs: number, limitMs: number) {
  const t0 = performance.now();
  while (performance.now() - t0 < limitMs) {
    const v = await f().catch(() => undefined);
    if (v !== undefined) return v;
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${limitMs} ms`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function sh(cwd: string, cmd: string, args: string[]): Promise<string> {
  const out = await new Deno.Command(cmd, { args, cwd, stdout: "piped", stderr: "piped" }).output();
  const dec = new TextDecoder();
  if (!out.success) throw new Error(`${cmd} ${args.join(" ")}: ${dec.decode(out.stderr)}`);
  return dec.decode(out.stdout);
}

/** A 30 fps clip of the HMI photo (even size for yuv420p; the ROIs are far from the cut column). */
async function makeClip(dir: string): Promise<string> {
  const path = join(dir, "hmi_30fps.mp4");
  await sh(dir, "ffmpeg", [
    "-hide_banner",
    "-loglevel",
    "error",
    "-y",
    "-loop",
    "1",
    "-i",
    join(FIXTURE, "screen_ocr.jpg"),
    "-t",
    "4",
    "-r",
    "30",
    "-vf",
    "crop=1476:1108:0:0",
    "-pix_fmt",
    "yuv420p",
    path,
  ]);
  return path;
}

async function loadAverage(): Promise<string> {
  return (await Deno.readTextFile("/proc/loadavg")).split(" ").slice(0, 3).join(" ");
}

/**
 * What a fresh install of `tree` keeps: its deno.json, package.json and deno.lock copied into an
 * empty folder and `deno install`ed there (from Deno's cache); node_modules size by package (MB).
 */
async function nodeModulesFootprint(tree: string) {
  const fresh = await Deno.makeTempDir({ prefix: "visionroi-install-" });
  try {
    for (const f of ["deno.json", "package.json", "deno.lock"]) {
      await Deno.copyFile(join(tree, f), join(fresh, f)).catch(() => {});
    }
    await sh(fresh, Deno.execPath(), ["install"]);
    const installed = await packageSizes(fresh);
    // What `deno task start` does next (trees that have it): other platforms' binaries go.
    const prune = join(tree, "scripts", "prune_native.ts");
    if (!(await Deno.stat(prune).then(() => true, () => false))) {
      return { ...installed, installedMb: installed.totalMb };
    }
    await Deno.mkdir(join(fresh, "scripts"));
    await Deno.copyFile(prune, join(fresh, "scripts", "prune_native.ts"));
    await sh(fresh, Deno.execPath(), ["run", "-A", "scripts/prune_native.ts"]);
    return { ...(await packageSizes(fresh)), installedMb: installed.totalMb };
  } finally {
    await Deno.remove(fresh, { recursive: true });
  }
}

async function packageSizes(tree: string) {
  const dir = join(tree, "node_modules", ".deno");
  const out = await sh(tree, "du", ["-sm", "--", ...(await entries(dir)).map((e) => join(dir, e))]);
  const packages = out.trim().split("\n").map((l) => {
    const [mb, path] = l.split("\t");
    return { name: path.slice(dir.length + 1), mb: Number(mb) };
  }).sort((a, b) => b.mb - a.mb);
  const total = Number(
    (await sh(tree, "du", ["-sm", "-L", join(tree, "node_modules")])).split("\t")[0],
  );
  return { totalMb: total, packages: packages.slice(0, 12) };
}

async function entries(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) if (e.isDirectory) names.push(e.name);
  return names;
}

function summarize(xs: TreeFigures[]) {
  const m = (f: (x: TreeFigures) => number) => median(xs.map(f));
  return {
    healthzS: m((x) => x.healthzS),
    firstDemoResultS: m((x) => x.firstDemoResultS),
    idleRssMb: m((x) => x.idleRssMb),
    demoRssMb: m((x) => x.demoRssMb),
    capacityRssMedianMb: m((x) => x.capacity.rssMedianMb),
    capacityRssMaxMb: m((x) => x.capacity.rssMaxMb),
    capacitySwingPct: m((x) => x.capacity.swingPct),
    readsPerSecond: m((x) => x.capacity.readsPerSecond),
    errors: m((x) => x.capacity.errors),
    right: m((x) => x.capacity.right),
    ffmpegRssMb: m((x) => x.capacity.ffmpegRssMb),
  };
}

/** The section's markdown from its data (exported to re-render RESULTS.md from RESULTS.json). */
// deno-lint-ignore no-explicit-any
export function table(d: any): string {
  const b = d.before, a = d.after;
  const f = (x: number, n = 0) => Number.isFinite(x) ? x.toFixed(n) : "–";
  const row = (name: string, key: string, target: string, n = 0) =>
    `| ${name} | ${f(b[key], n)} | ${f(a[key], n)} | ${f(a[key] / b[key], 2)} | ${target} |`;
  const pkgs = d.footprint.packages.map((p: { name: string; mb: number }) => `${p.name} ${p.mb}`)
    .join(", ");
  const pkgsBefore = d.footprintBefore.packages.map((p: { name: string; mb: number }) =>
    `${p.name} ${p.mb}`
  ).join(", ");
  return [
    `Medians of ${d.runs} runs per tree, trees alternating in one run; "before" is commit ` +
    `\`${d.base}\`, "after" \`${d.afterCommit}\`, each in a temporary git worktree. Server RSS (VmRSS of the deno process; ffmpeg ` +
    `children apart), sampled from a separate client process that uses only the HTTP API. ` +
    `Machine: 2 cores, load average ${d.loadAverage.before} at the start, ` +
    `${d.loadAverage.after} at the end (what ran besides this bench is said where the figures ` +
    `are quoted); times and reads/s are noisier than memory.`,
    "",
    "| figure | before | after | after/before | target |",
    "|---|---|---|---|---|",
    row("`/_healthz` after `deno task start` (s, fresh bundle)", "healthzS", "≤ 1", 2),
    row("first demo reading after `deno task start` (s)", "firstDemoResultS", "≤ 3", 2),
    row("idle RSS, workers ready, no job (MB)", "idleRssMb", "≤ 150"),
    row("demo job RSS (MB)", "demoRssMb", "≤ 200"),
    row("4 cams × 12 rapid_ocr ROIs: RSS median (MB)", "capacityRssMedianMb", "≤ 400"),
    row("4 cams × 12: RSS max (MB)", "capacityRssMaxMb", "≤ 400"),
    row("4 cams × 12: swing (max − min) / min (%)", "capacitySwingPct", "≤ 15", 1),
    row("4 cams × 12: ROI reads/s", "readsPerSecond", "–", 1),
    row("4 cams × 12: read errors in the soak", "errors", "0"),
    row("4 cams × 12: ROIs whose last reading is right (of 12)", "right", "not worse"),
    row("ffmpeg children RSS, 4 cams (MB)", "ffmpegRssMb", "–"),
    "",
    `Soak: ${d.soakS} s per run after a 10 s warm-up, RSS every second. ` +
    (d.longSoak
      ? `Then one ${d.longSoakS / 60}-minute soak of "after": RSS median ${
        f(d.longSoak.rssMedianMb)
      } MB, min ${f(d.longSoak.rssMinMb)}, max ${f(d.longSoak.rssMaxMb)}, swing ${
        f(d.longSoak.swingPct, 1)
      } % (target ≤ 15 %), ${
        f(d.longSoak.readsPerSecond, 1)
      } ROI reads/s, ${d.longSoak.errors} read errors, ${d.longSoak.right}/12 ROIs right. `
      : "") +
    `The capacity sources are an ffmpeg 30 fps clip of ` +
    `hmi_screen/screen_ocr.jpg (cropped to 1476 px wide for yuv420p), read at the stream rate ` +
    `the code under test uses.`,
    "",
    "Where the memory goes (one-off measurements on this machine with small scripts and " +
    "/proc/<pid>/smaps, idle otherwise; not re-measured by this section). Once per process: the " +
    "deno binary's code and data pages ~50–57 MB (file-backed), and with the first ONNX session " +
    "onnxruntime's library code 24 MB (file-backed) plus ~13 MB of its setup (malloc'd). Per " +
    "worker: opencv.js, now loaded split (its 10.6 MB base64 WebAssembly decoded natively and " +
    "compiled, only the 0.2 MB of JavaScript glue evaluated; before, V8 held the whole 10.9 MB " +
    "source twice and the glue decoded it in JavaScript): 2 workers with OpenCV 236 → 171 MB, 1 " +
    "worker 149 → 132 MB; what stays is the glue's heap (~10–13 MB), the compiler's arena (~20 MB) " +
    "and the touched part of its 128 MB WebAssembly heap. onnxruntime sessions 13–16 MB each " +
    "(`digits` one, `rapid_ocr` two) plus working memory that grows to the largest input; models " +
    "now load by path and PaddleOCR's dictionary is read by seeking (the `digits` engine in a " +
    "worker 76 → 43 MB in the probe; within noise in a whole server). The demo job reads its " +
    "seven-segment readouts with `sevenseg` (pure TypeScript, 900/900 panel seconds right, ~10 " +
    "ms a read) instead of `digits`, so it loads no ONNX runtime: 214 → 164 MB in a probe. 4 " +
    "cameras × 12 `rapid_ocr` (2 workers): the two workers' OpenCV and ONNX sessions and " +
    "working memory, frame-sized buffers (6.5 MB) ~38 MB. Kept from before: frames read into " +
    "pooled buffers and copied into shared memory only when a consumer reads them, with a " +
    "collection every 16 MB of frames (12 MB in a worker). Tried and not kept: " +
    "`MALLOC_ARENA_MAX` 1 or 2, `malloc_trim(0)` every 5 s, `MALLOC_MMAP_THRESHOLD_`/" +
    "`MALLOC_TRIM_THRESHOLD_` variants: within the ±10 MB noise (32 MB thresholds: +60 MB); V8 " +
    "`--max-semi-space-size=1`, `--optimize-for-size`, `--single-threaded-gc`: within noise " +
    "(`--lite-mode` disables WebAssembly); onnxruntime's CPU arena off: 4-camera case 403 → " +
    "356–361 MB but 15–20 % fewer reads/s (runs 24.6 and 25.4 against 28.8–32.8); " +
    "`enableMemPattern` off: 376–381 MB at 25.8–28.0 reads/s; two intra-op threads in one " +
    "session instead of one session per worker: a `rapid_ocr` read 45.3 → 55.7 ms, so one " +
    "session shared by all workers costs throughput (~40 MB less, ~40 % fewer reads/s in an " +
    "earlier host-worker try). `--workers 1` holds less where fewer reads are enough " +
    "(4-camera case: 349 MB median, 21.6 reads/s, before the split loader).",
    "",
    `Install footprint (\`node_modules\` of a fresh install, du, MB): before ${d.footprintBefore.totalMb}, after ` +
    `${d.footprint.totalMb} (${d.footprint.installedMb} as installed, before \`deno task prune\`, which \`deno task start\` runs, removed other platforms' native binaries: what is downloaded and unpacked once; Deno's npm cache keeps its own copy of every package until \`deno clean\`). Largest packages after: ${pkgs}. Before: ${pkgsBefore}.`,
  ].join("\n");
}
