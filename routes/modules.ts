/** `GET /api/modules`: every inference module with its params as JSON Schema (the ROI editor's fields). */
import { Hono } from "hono";
import { z } from "zod";
import type { ModuleRegistry } from "../inference_modules/registry.ts";
import type { WorkerPool } from "../inference_modules/worker_pool.ts";

/** A user module's process as the pool reports it. */
export const ModuleProcessSchema = z.object({
  state: z.enum(["idle", "starting", "ready", "busy", "disabled"]).describe(
    "`idle`: no process yet (started on first read); `disabled`: see `disabled_reason`",
  ),
  pid: z.number().int().optional().describe("process id while one runs"),
  deaths: z.number().int().describe("processes that died or were killed since the server started"),
  disabled_reason: z.string().optional().describe(
    "why the module is disabled (its process died 3 times in a minute); cleared when its files change",
  ),
});

/** One module as the UI sees it. */
export const ModuleInfoSchema = z.object({
  name: z.string(),
  description: z.string(),
  output: z.string(),
  kind: z.enum(["builtin", "user", "alias"]).describe(
    "`user`: loaded from the data dir's inference_modules/; `alias`: a VisionROI name that runs " +
      "on the module `alias_of` (same params)",
  ),
  alias_of: z.string().optional().describe("for `kind: alias`: the module that runs (`rapid_ocr`)"),
  params_schema: z.record(z.string(), z.unknown()).describe("JSON Schema of the ROI's params"),
  process: ModuleProcessSchema.optional().describe(
    "user modules that run in their own process: its state",
  ),
});

/**
 * Each module's name, description, output kind, params schema and process state, in registry
 * order, then the aliases (as `/inference_modules` lists them).
 */
export function moduleInfos(
  modules: Pick<ModuleRegistry, "list"> & Partial<Pick<ModuleRegistry, "aliases">>,
  pool?: Pick<WorkerPool, "moduleStatus">,
): z.infer<typeof ModuleInfoSchema>[] {
  const infos = modules.list().map((d): z.infer<typeof ModuleInfoSchema> => {
    // A user module may validate params with its own `safeParse` instead of zod: no schema then.
    const schema: Record<string, unknown> = "_zod" in d.params
      ? z.toJSONSchema(d.params, { io: "input", unrepresentable: "any" }) as Record<string, unknown>
      : { type: "object" };
    delete schema.$schema;
    const process = pool?.moduleStatus(d.name);
    return {
      name: d.name,
      description: d.description,
      output: String(d.output),
      kind: d.userFolder ? "user" : "builtin",
      params_schema: schema,
      ...(process ? { process } : {}),
    };
  });
  for (const a of modules.aliases?.() ?? []) {
    const engine = infos.find((i) => i.name === a.engine);
    if (!engine) continue;
    infos.push({
      name: a.name,
      description: `VisionROI's ${a.name}: runs on ${a.engine} here`,
      output: engine.output,
      kind: "alias",
      alias_of: a.engine,
      params_schema: engine.params_schema,
    });
  }
  return infos;
}

/** The `/api/modules` sub-app. */
export function moduleRoutes(
  ctx: {
    modules: Pick<ModuleRegistry, "list"> & Partial<Pick<ModuleRegistry, "aliases">>;
    pool?: Pick<WorkerPool, "moduleStatus">;
  },
): Hono {
  const app = new Hono();
  app.get("/api/modules", (c) => c.json(moduleInfos(ctx.modules, ctx.pool)));
  return app;
}
