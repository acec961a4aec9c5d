/**
 * `deno task compile`: builds `dist/visionroi`, one binary with every asset embedded (workers,
 * module engines, the demo source). Deno fetches its `denort` runtime for this from its own
 * server; where that is unreachable, set `DENORT_BIN` to a local denort binary.
 */
const out = Deno.args[0] ?? "dist/visionroi";
const include = [
  "inference_modules",
  "actors",
  "routes",
  "storage",
  "data_sources/demo",
  "dist/ui",
];
const existing: string[] = [];
for (const p of include) {
  try {
    await Deno.stat(p);
    existing.push(p);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
}
const args = [
  "compile",
  "--allow-read",
  "--allow-write",
  "--allow-net",
  "--allow-run",
  "--allow-env",
  "--allow-ffi",
  "--allow-sys",
  ...existing.flatMap((p) => ["--include", p]),
  "--output",
  out,
  "mod.ts",
];
const child = new Deno.Command(Deno.execPath(), { args, stdout: "inherit", stderr: "piped" })
  .spawn();
const result = await child.output();
const stderr = new TextDecoder().decode(result.stderr);
await Deno.stderr.write(result.stderr);
if (!result.success) {
  if (/denort|download|dl\.deno|tcp connect|dns error|error sending request/i.test(stderr)) {
    console.error(
      "\ncompile: Deno could not download its denort runtime (this machine cannot reach Deno's " +
        "server). Set DENORT_BIN to a local denort binary of the same version and run again.",
    );
  }
  Deno.exit(result.code || 1);
}
console.log(`compile: built ${out}`);
