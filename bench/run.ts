/**
 * `deno task bench`: runs every benchmark section and writes RESULTS.md and RESULTS.json to
 * bench/out/ (git-ignored), so a run never dirties the checkout. `--write` (or
 * `VISIONROI_BENCH_WRITE=1`) updates the committed bench/RESULTS.md and RESULTS.json instead.
 * `deno task bench ffmpeg_source` runs only the named sections (file names without `.ts`); their
 * results replace those sections in the files, the others are kept.
 */
import type { BenchSection } from "./section.ts";

const SECTIONS = [
  "ffmpeg_source",
  "modules",
  "lamps",
  "onnx_modules",
  "sevenseg",
  "jobs",
  "capacity",
  "skip_unchanged",
  "page_detect",
  "mqtt",
  "batch",
  "ui",
  "cluster",
  "memory",
] as const;

const here = new URL(".", import.meta.url);

// `--one NAME OUT`: run one section in this process and write it to OUT (JSON).
if (Deno.args[0] === "--one") {
  const mod = await import(new URL(`./${Deno.args[1]}.ts`, here).href) as {
    run(): Promise<BenchSection>;
  };
  await Deno.writeTextFile(Deno.args[2], JSON.stringify(await mod.run()));
  Deno.exit(0);
}

const write = Deno.args.includes("--write") || Deno.env.get("VISIONROI_BENCH_WRITE") === "1";
const names = Deno.args.filter((a) => a !== "--write");
const wanted = names.length ? names : [...SECTIONS];
const results: BenchSection[] = [];
const started = new Date();
for (const name of wanted) {
  if (!(SECTIONS as readonly string[]).includes(name)) {
    console.error(`bench: unknown section ${JSON.stringify(name)}; known: ${SECTIONS.join(", ")}`);
    Deno.exit(2);
  }
  results.push(await runSection(name));
}

/**
 * Runs one section in its own process, so one section's engines, workers and globals never
 * disturb the next one's figures.
 */
async function runSection(name: string): Promise<BenchSection> {
  console.log(`bench: ${name} …`);
  const t0 = performance.now();
  const out = await Deno.makeTempFile({ suffix: ".json" });
  try {
    const status = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL("./run.ts", here).pathname, "--one", name, out],
      stdout: "inherit",
      stderr: "inherit",
    }).spawn().status;
    if (!status.success) throw new Error(`bench section ${name} failed (exit ${status.code})`);
    const section = JSON.parse(await Deno.readTextFile(out)) as BenchSection;
    console.log(`bench: ${name} done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    return section;
  } finally {
    await Deno.remove(out);
  }
}

const cpu = (await Deno.readTextFile("/proc/cpuinfo")).match(/model name\s*:\s*(.*)/)?.[1] ?? "?";
const header = [
  "# VisionROI benchmark results",
  "",
  `Run ${started.toISOString()} on ${navigator.hardwareConcurrency} cores (${cpu}), ` +
  `Deno ${Deno.version.deno}. Written by \`deno task bench\`; medians over repeated runs.`,
  "",
].join("\n");
const body = results.map((s) => `## ${s.title}\n\n${s.markdown.trim()}\n`).join("\n");
const md = `${header}\n${body}`;
const dir = write ? here : new URL("out/", here);
await Deno.mkdir(dir, { recursive: true });
// A first run into out/ starts from the committed files, so that a section run shows them all.
const base = async (file: string) =>
  (await readOr(new URL(file, dir))) || readOr(new URL(file, here));
const merged = mergeJson(await base("RESULTS.json"), results);
if (names.length === 0) {
  await Deno.writeTextFile(new URL("RESULTS.md", dir), md);
} else {
  await Deno.writeTextFile(
    new URL("RESULTS.md", dir),
    mergeMarkdown(await base("RESULTS.md"), results, header),
  );
}
await Deno.writeTextFile(new URL("RESULTS.json", dir), JSON.stringify(merged, null, 2) + "\n");
const shown = write ? "bench/" : "bench/out/";
console.log(
  `bench: wrote ${shown}RESULTS.md and ${shown}RESULTS.json` +
    (write ? "" : " (deno task bench --write updates bench/RESULTS.md)"),
);

async function readOr(url: URL): Promise<string> {
  try {
    return await Deno.readTextFile(url);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return "";
    throw err;
  }
}

/** Replaces the sections just run inside an existing RESULTS.md, keeping the others. */
function mergeMarkdown(old: string, fresh: BenchSection[], header: string): string {
  const parts = old.split(/^## /m);
  const kept = new Map<string, string>();
  for (const p of parts.slice(1)) {
    kept.set(p.slice(0, p.indexOf("\n")).trim(), `## ${p.trimEnd()}\n`);
  }
  for (const s of fresh) kept.set(s.title, `## ${s.title}\n\n${s.markdown.trim()}\n`);
  return `${header}\n${[...kept.values()].join("\n")}`;
}

function mergeJson(text: string, fresh: BenchSection[]): Record<string, unknown> {
  const old = text ? JSON.parse(text) as Record<string, unknown> : {};
  for (const s of fresh) old[s.title] = { ranAt: started.toISOString(), ...Object(s.data) };
  return old;
}
