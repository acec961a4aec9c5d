import assert from "node:assert/strict";
import { join } from "node:path";
import { unusedNative } from "./prune_native.ts";

/** A node_modules in Deno's layout with onnxruntime-node's platform folders and both libvips. */
function fakeNodeModules(): string {
  const root = Deno.makeTempDirSync({ prefix: "visionroi-prune-" });
  const ort = join(root, ".deno/onnxruntime-node@1.30.0/node_modules/onnxruntime-node/bin/napi-v6");
  for (const p of ["linux/x64", "linux/arm64", "darwin/arm64", "win32/x64"]) {
    Deno.mkdirSync(join(ort, p), { recursive: true });
    Deno.writeTextFileSync(join(ort, p, "onnxruntime_binding.node"), "x");
  }
  for (
    const [dir, pkg] of [
      ["@img+sharp-libvips-linux-x64@1.3.4", "sharp-libvips-linux-x64"],
      ["@img+sharp-libvips-linuxmusl-x64@1.3.4", "sharp-libvips-linuxmusl-x64"],
    ]
  ) {
    const lib = join(root, ".deno", dir, "node_modules/@img", pkg, "lib");
    Deno.mkdirSync(lib, { recursive: true });
    Deno.writeTextFileSync(join(lib, "libvips-cpp.so"), "x");
  }
  return root;
}

Deno.test("prune: every other platform's onnxruntime-node and the other libc's libvips", async () => {
  const root = fakeNodeModules();
  try {
    const ort = join(
      root,
      ".deno/onnxruntime-node@1.30.0/node_modules/onnxruntime-node/bin/napi-v6",
    );
    const glibc = await unusedNative(root, { platform: "linux", arch: "x64", musl: false });
    assert.deepEqual(glibc, [
      join(
        root,
        ".deno/@img+sharp-libvips-linuxmusl-x64@1.3.4/node_modules/@img/sharp-libvips-linuxmusl-x64/lib",
      ),
      join(ort, "darwin/arm64"),
      join(ort, "linux/arm64"),
      join(ort, "win32/x64"),
    ]);
    const musl = await unusedNative(root, { platform: "linux", arch: "arm64", musl: true });
    assert.deepEqual(musl, [
      join(
        root,
        ".deno/@img+sharp-libvips-linux-x64@1.3.4/node_modules/@img/sharp-libvips-linux-x64/lib",
      ),
      join(ort, "darwin/arm64"),
      join(ort, "linux/x64"),
      join(ort, "win32/x64"),
    ]);
    const mac = await unusedNative(root, { platform: "darwin", arch: "arm64", musl: false });
    assert.deepEqual(mac, [
      join(ort, "linux/arm64"),
      join(ort, "linux/x64"),
      join(ort, "win32/x64"),
    ]);
    assert.deepEqual(await unusedNative(join(root, "missing")), [], "no node_modules: nothing");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
