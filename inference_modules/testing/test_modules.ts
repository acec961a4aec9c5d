/**
 * Writes test-only user modules into a temp data dir: `testkit` reads a crop and, on request,
 * misbehaves (exits the worker, throws from a timer, spins synchronously, sleeps) so the pool's
 * failure handling can be tested with real workers.
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
  const mod = `${dir}/inference_modules/testkit`;
  await Deno.mkdir(mod, { recursive: true });
  await Deno.writeTextFile(`${mod}/descriptor.js`, DESCRIPTOR);
  await Deno.writeTextFile(`${mod}/engine.js`, ENGINE);
  return dir;
}
