import assert from "node:assert/strict";
import { BUILTIN_MODULES, createRegistry } from "./registry.ts";
import { makeTestDataDir } from "./testing/test_modules.ts";

async function writeModule(dataDir: string, folder: string, descriptor: string, engine = true) {
  const dir = `${dataDir}/inference_modules/${folder}`;
  await Deno.mkdir(dir, { recursive: true });
  if (descriptor) await Deno.writeTextFile(`${dir}/descriptor.js`, descriptor);
  if (engine) {
    await Deno.writeTextFile(`${dir}/engine.js`, "export async function createEngine() {}");
  }
}

const desc = (name: string, engine = "./engine.js") =>
  `export const descriptor = { name: ${JSON.stringify(name)}, description: "d", output: "text",
   params: { safeParse: (v) => ({ success: true, data: v ?? {} }) },
   engineUrl: new URL(${JSON.stringify(engine)}, import.meta.url) };`;

Deno.test("the registry lists every built-in in order and fills params defaults", async () => {
  const registry = await createRegistry();
  assert.deepEqual(registry.list().map((d) => d.name), BUILTIN_MODULES.map((d) => d.name));
  for (
    const name of [
      "tesseract_ocr",
      "rapid_ocr",
      "digits",
      "sevenseg",
      "light_button",
      "yolo",
      "typhoon_ocr",
    ]
  ) {
    assert.equal(registry.get(name)?.name, name);
  }
  assert.deepEqual(registry.validateParams("tesseract_ocr", {}), {
    psm: "line",
    whitelist: "",
    glyphPx: 40,
  });
  assert.throws(() => registry.validateParams("nope", {}), new RangeError('unknown module "nope"'));
  assert.throws(
    () => registry.validateParams("tesseract_ocr", { psm: "page" }),
    (e: Error) =>
      e instanceof RangeError && /^module "tesseract_ocr": params\.psm: /.test(e.message),
  );
});

Deno.test("user modules load from the data dir; bad ones are skipped with a reason", async () => {
  const dataDir = await makeTestDataDir();
  try {
    await writeModule(dataDir, "Bad-Name", desc("Bad-Name"));
    await writeModule(dataDir, "empty_folder", "");
    await writeModule(dataDir, "wrong_name", desc("other_name"));
    await writeModule(dataDir, "escapes", desc("escapes", "../testkit/engine.js"));
    await writeModule(dataDir, "light_button", desc("light_button"));
    const lines: string[] = [];
    const registry = await createRegistry({ dataDir, log: (l) => lines.push(l) });
    assert.equal(registry.get("testkit")?.name, "testkit");
    assert.equal(registry.list().at(-1)?.name, "testkit");
    assert.equal(
      registry.get("light_button"),
      BUILTIN_MODULES.find((d) => d.name === "light_button"),
    );
    assert.deepEqual(registry.problems.map((p) => `${p.name}: ${p.message}`), [
      "Bad-Name: name must match /^[a-z0-9_]{1,64}$/",
      "empty_folder: has no descriptor.ts or descriptor.js",
      "escapes: engine resolves outside its folder",
      "light_button: has the name of a built-in module",
      'wrong_name: descriptor name "other_name" differs from its folder',
    ]);
    assert.equal(lines.length, 5);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("a data dir without inference_modules/ gives the built-ins only", async () => {
  const dataDir = await Deno.makeTempDir();
  try {
    const registry = await createRegistry({ dataDir });
    assert.equal(registry.list().length, BUILTIN_MODULES.length);
    assert.deepEqual(registry.problems, []);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("user modules are marked with their folder; declared permissions are checked", async () => {
  const dataDir = await makeTestDataDir();
  try {
    const withPerms = (name: string, perms: string) =>
      desc(name).replace('output: "text",', `output: "text", permissions: ${perms},`);
    await writeModule(dataDir, "net_ok", withPerms("net_ok", '{ net: ["api.example.com:443"] }'));
    await writeModule(dataDir, "net_all", withPerms("net_all", "{ net: true }"));
    await writeModule(dataDir, "net_bad", withPerms("net_bad", '{ net: ["a.com,evil.com"] }'));
    await writeModule(dataDir, "read_ok", withPerms("read_ok", '{ read: ["models/m.onnx"] }'));
    await writeModule(
      dataDir,
      "read_dot",
      withPerms("read_dot", '{ read: ["models/../.access_token"] }'),
    );
    const registry = await createRegistry({ dataDir, log: () => {} });
    const folder = await Deno.realPath(`${dataDir}/inference_modules/net_ok`);
    assert.equal(registry.get("net_ok")?.userFolder, folder);
    assert.deepEqual(registry.get("net_ok")?.permissions, { net: ["api.example.com:443"] });
    assert.deepEqual(registry.get("net_all")?.permissions, { net: true });
    assert.deepEqual(registry.get("testkit")?.permissions, {});
    assert.equal(registry.get("tesseract_ocr")?.userFolder, undefined);
    assert.deepEqual(registry.problems.map((p) => `${p.name}: ${p.message}`), [
      'net_bad: descriptor.permissions.net: "a.com,evil.com" is not a host[:port]',
      'read_dot: descriptor.permissions.read: "models/../.access_token" is not a path inside the ' +
      "data dir (relative, no hidden names, no ..)",
    ]);
    assert.deepEqual(registry.get("read_ok")?.permissions, { read: ["models/m.onnx"] });
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("easy_ocr and trocr are aliases that resolve to rapid_ocr's descriptor", async () => {
  const registry = await createRegistry();
  assert.deepEqual(registry.aliases(), [
    { name: "easy_ocr", engine: "rapid_ocr" },
    { name: "trocr", engine: "rapid_ocr" },
  ]);
  assert.equal(registry.get("easy_ocr")?.name, "rapid_ocr");
  assert.equal(registry.get("trocr")?.name, "rapid_ocr");
  assert.ok(!registry.list().some((d) => d.name === "easy_ocr"), "aliases are not modules");
  assert.deepEqual(registry.validateParams("trocr", {}), registry.validateParams("rapid_ocr", {}));
});

Deno.test("a user module named easy_ocr takes the alias's place", async () => {
  const dataDir = await makeTestDataDir();
  try {
    await writeModule(dataDir, "easy_ocr", desc("easy_ocr"));
    const registry = await createRegistry({ dataDir, log: () => {} });
    assert.equal(registry.get("easy_ocr")?.name, "easy_ocr");
    assert.deepEqual(registry.aliases(), [{ name: "trocr", engine: "rapid_ocr" }]);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});
