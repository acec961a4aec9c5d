/** `GET /api/modules`: every inference module with its params as JSON Schema (the ROI editor's fields). */
import { Hono } from "hono";
import { z } from "zod";
import type { ModuleRegistry } from "../inference_modules/registry.ts";

/** One module as the UI sees it. */
export const ModuleInfoSchema = z.object({
  name: z.string(),
  description: z.string(),
  output: z.string(),
  params_schema: z.record(z.string(), z.unknown()).describe("JSON Schema of the ROI's params"),
});

/** Each module's name, description, output kind and params schema, in registry order. */
export function moduleInfos(
  modules: Pick<ModuleRegistry, "list">,
): z.infer<typeof ModuleInfoSchema>[] {
  return modules.list().map((d) => {
    const schema = z.toJSONSchema(d.params, { io: "input", unrepresentable: "any" }) as Record<
      string,
      unknown
    >;
    delete schema.$schema;
    return {
      name: d.name,
      description: d.description,
      output: String(d.output),
      params_schema: schema,
    };
  });
}

/** The `/api/modules` sub-app. */
export function moduleRoutes(ctx: { modules: Pick<ModuleRegistry, "list"> }): Hono {
  const app = new Hono();
  app.get("/api/modules", (c) => c.json(moduleInfos(ctx.modules)));
  return app;
}
