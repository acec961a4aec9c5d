/** `/api/modules` with a real pool: a user module disabled by its deaths shows why. */
import assert from "node:assert/strict";
import { allocFrameData } from "../actors/frame_sources/frame.ts";
import { createRegistry } from "../inference_modules/registry.ts";
import { WorkerPool } from "../inference_modules/worker_pool.ts";
import { makeTestDataDir, writeTestkit } from "../inference_modules/testing/test_modules.ts";
import { ModuleInfoSchema, moduleRoutes } from "./modules.ts";

Deno.test({
  name: "/api/modules marks user modules and shows a disabled one's reason",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const dataDir = await makeTestDataDir();
    await writeTestkit(dataDir, "crashy");
    const modules = await createRegistry({ dataDir, log: () => {} });
    const pool = new WorkerPool({
      registry: modules,
      dataDir,
      workers: 1,
      isolateUserModules: true,
      log: () => {},
    });
    try {
      const frame = { width: 20, height: 20, data: allocFrameData(20, 20), seq: 1, time: 0 };
      const points = [{ x: 0, y: 0 }, { x: 9, y: 0 }, { x: 9, y: 9 }, { x: 0, y: 9 }];
      for (const id of ["1", "2", "3"]) {
        await pool.readFrame(frame, [{ id, module: "crashy", points, params: { mode: "exit" } }]);
      }
      const app = moduleRoutes({ modules, pool });
      const res = await app.request("/api/modules");
      assert.equal(res.status, 200);
      const list = ModuleInfoSchema.array().parse(await res.json());
      const byName = new Map(list.map((m) => [m.name, m]));
      assert.equal(byName.get("digits")?.kind, "builtin");
      assert.equal(byName.get("digits")?.process, undefined);
      assert.deepEqual(byName.get("testkit")?.process, { state: "idle", deaths: 0 });
      const crashy = byName.get("crashy")!;
      assert.equal(crashy.kind, "user");
      assert.equal(crashy.process?.state, "disabled");
      assert.match(
        crashy.process?.disabled_reason ?? "",
        /^module "crashy" disabled: its process died 3 times in 60 s \(last: process exited with code 3\)/,
      );
    } finally {
      await pool.close();
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});
