import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { checkGraph, moduleGraph } from "./check_layers.ts";

async function tree(files: Record<string, string>): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "layers-" });
  for (const [path, text] of Object.entries(files)) {
    await Deno.mkdir(join(root, dirname(path)), { recursive: true });
    await Deno.writeTextFile(join(root, path), text);
  }
  return root;
}

Deno.test("the layer check catches an upward import, a file cycle and a folder cycle", async () => {
  const root = await tree({
    "mod.ts": `import "./routes/app.ts";\n`,
    "routes/app.ts": `import { job } from "../actors/jobs/job.ts";\nexport const app = job;\n`,
    "actors/jobs/job.ts": `import { cam } from "../cameras/cam.ts";\nexport const job = cam;\n`,
    // a camera reaching back into the jobs folder: a folder cycle within the domain layer
    "actors/cameras/cam.ts":
      `export const cam = 1;\nexport type { Job } from "../jobs/types.ts";\n`,
    "actors/jobs/types.ts": `export type Job = { id: string };\n`,
    // storage (lowest) importing a route: upward, type-only still counts
    "storage/files.ts":
      `import type { app } from "../routes/app.ts";\nexport type A = typeof app;\n`,
    // two files importing each other
    "storage/a.ts": `import { b } from "./b.ts";\nexport const a = () => b;\n`,
    "storage/b.ts": `import { a } from "./a.ts";\nexport const b = () => a;\n`,
    "storage/a_test.ts": `import "../mod.ts";\n`,
  });
  try {
    const graph = await moduleGraph(root);
    assert.equal(graph.has("storage/a_test.ts"), false, "tests may import anything");
    assert.deepEqual(graph.get("routes/app.ts"), ["actors/jobs/job.ts"]);
    const report = checkGraph(graph);
    assert.deepEqual(report.upward, ["storage/files.ts -> routes/app.ts"]);
    assert.deepEqual(report.cycles, [
      "files: storage/a.ts, storage/b.ts",
      "folders: actors/cameras, actors/jobs",
    ]);
    assert.deepEqual(report.unplaced, []);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a tree whose imports point down passes; a file outside every layer is reported", async () => {
  const root = await tree({
    "mod.ts": `import "./system.ts";\n`,
    "system.ts": `import "./routes/app.ts";\nimport "./config.ts";\n`,
    "config.ts": `export const c = 1;\n`,
    "routes/app.ts": `import "../actors/cam.ts";\nimport "../storage/files.ts";\n`,
    "actors/cam.ts": `import "./runtime/clock.ts";\nimport "../inference_modules/m.ts";\n`,
    "inference_modules/m.ts": `import "../actors/frame_sources/frame.ts";\n`,
    "actors/frame_sources/frame.ts": `export type Frame = { seq: number };\n`,
    "actors/runtime/clock.ts": `export const now = () => 0;\n`,
    "storage/files.ts": `import "../actors/runtime/clock.ts";\n`,
    "misc/stray.ts": `export {};\n`,
  });
  try {
    const report = checkGraph(await moduleGraph(root));
    assert.deepEqual(report.upward, []);
    assert.deepEqual(report.cycles, []);
    assert.deepEqual(report.unplaced, ["misc/stray.ts"]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
