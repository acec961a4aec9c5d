import assert from "node:assert/strict";
import { z } from "zod";
import { eachLine, moduleHostArgs } from "./module_command.ts";
import type { ModuleDescriptor } from "./module_types.ts";

const base: ModuleDescriptor = {
  name: "meter",
  description: "d",
  params: z.object({}),
  output: "text",
  engineUrl: new URL("file:///data/inference_modules/meter/engine.ts"),
  userFolder: "/data/inference_modules/meter",
};

Deno.test("a user module's process may read its folder and nothing it did not declare", () => {
  const args = moduleHostArgs(base, { dataDir: "/data", maxHeapMb: 512 });
  const allows = args.filter((a) => a.startsWith("--allow") || a === "-A");
  assert.deepEqual(allows, ["--allow-read=/data/inference_modules/meter"]);
  assert.ok(args.includes("--no-prompt") && args.includes("--frozen"));
  assert.ok(args.includes("--v8-flags=--max-old-space-size=512"));
  assert.match(args.at(-1)!, /inference_modules\/module_host\.ts$/);
});

Deno.test("declared hosts and data-dir paths widen exactly those permissions", () => {
  const d = { ...base, permissions: { net: ["api.example.com:443"], read: ["models/m.onnx"] } };
  const allows = moduleHostArgs(d, { dataDir: "/data", maxHeapMb: 1024 })
    .filter((a) => a.startsWith("--allow"));
  assert.deepEqual(allows, [
    "--allow-read=/data/inference_modules/meter,/data/models/m.onnx",
    "--allow-net=api.example.com:443",
  ]);
  const any = moduleHostArgs({ ...base, permissions: { net: true } }, {
    dataDir: "/data",
    maxHeapMb: 1024,
  });
  assert.ok(any.includes("--allow-net"));
  assert.throws(
    () => moduleHostArgs({ ...base, userFolder: undefined }, { dataDir: "/d", maxHeapMb: 1 }),
    TypeError,
  );
});

Deno.test("eachLine splits chunks into lines and bounds long ones", async () => {
  const chunks = ["a\nb", "c\n\n", "x".repeat(5000), "\nend"];
  const stream = ReadableStream.from(chunks.map((c) => new TextEncoder().encode(c)));
  const lines: string[] = [];
  await eachLine(stream, (l) => lines.push(l));
  assert.deepEqual(lines, ["a", "bc", "x".repeat(300), "end"]);
});
