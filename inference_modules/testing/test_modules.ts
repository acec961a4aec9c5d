/**
 * Writes test-only user modules into a temp data dir: `testkit` reads a crop and, on request,
 * misbehaves (exits or closes the worker, throws from a timer, spins for a while or for ever,
 * sleeps, answers 64 MB, probes its permissions) so the pool's failure handling can be tested with
 * real workers and real module processes.
 */

const DESCRIPTOR = `
/** Test-only module; plain JS so it needs no import map. */
export const descriptor = {
  name: "testkit",
  description: "Test module that can crash, hang or sleep on request.",
  params: { safeParse: (v) => ({ success: true, data: v ?? {} }) },
  output: "text",
  engineUrl: new URL("./engine.js", import.meta.url),
};
`;

const ENGINE = `
export async function createEngine() {
  return {
    async read(crop, params) {
      switch (params.mode) {
        case "exit":
          Deno.exit(3);
          break;
        case "close":
          self.close();
          return await new Promise(() => {});
        case "loop":
          while (true) { /* an endless synchronous hang */ }
        case "huge":
          return { text: "x".repeat(params.bytes ?? 64 * 1024 * 1024), data: { blob: "y".repeat(params.dataBytes ?? 0) } };
        case "probe": {
          const tries = {
            write: () => Deno.writeTextFile(params.write, "x"),
            read: () => Deno.readTextFile(params.read),
            net: () => fetch(params.url).then((r) => r.text()),
          };
          const out = {};
          for (const [k, f] of Object.entries(tries)) {
            try { await f(); out[k] = "ok"; } catch (e) { out[k] = e.name; }
          }
          return { text: JSON.stringify(out) };
        }
        case "stdout":
          console.log("console output goes to stderr");
          await Deno.stdout.write(new TextEncoder().encode("hello from the module\\n"));
          break;
        case "timer_throw":
          setTimeout(() => { throw new Error("boom from a timer"); }, 0);
          return await new Promise(() => {});
        case "spin": {
          const end = Date.now() + (params.ms ?? 2000);
          while (Date.now() < end) { /* a bounded synchronous hang */ }
          break;
        }
        case "sleep":
          await new Promise((r) => setTimeout(r, params.ms ?? 1000));
          break;
        case "fail":
          throw new Error("engine refused: " + (params.why ?? "no reason"));
      }
      let sum = 0;
      for (let i = 0; i < crop.data.length; i += 4) sum += crop.data[i];
      return { text: crop.width + "x" + crop.height, value: Math.round(sum / (crop.data.length / 4)) };
    },
  };
}
`;

/** Creates a temp data dir holding `inference_modules/testkit/`; returns its path. */
export async function makeTestDataDir(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "visionroi_modules_test_" });
  await writeTestkit(dir, "testkit");
  return dir;
}

/**
 * Writes a copy of testkit named `name` into `<dataDir>/inference_modules/` (a module a test may
 * get disabled without touching the others); `permissions` goes into its descriptor.
 */
export async function writeTestkit(
  dataDir: string,
  name: string,
  permissions?: unknown,
): Promise<string> {
  const mod = `${dataDir}/inference_modules/${name}`;
  await Deno.mkdir(mod, { recursive: true });
  const perms = permissions === undefined ? "" : `permissions: ${JSON.stringify(permissions)},`;
  const descriptor = DESCRIPTOR.replace('name: "testkit",', `name: "${name}", ${perms}`);
  await Deno.writeTextFile(`${mod}/descriptor.js`, descriptor);
  await Deno.writeTextFile(`${mod}/engine.js`, ENGINE);
  return mod;
}
