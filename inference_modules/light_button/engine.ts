/** Worker side of `light_button`. */
import type { CreateEngine, ModuleEngine } from "../module_types.ts";
import { lightButtonParams } from "./descriptor.ts";
import { lampState } from "./lamp_state.ts";

/** Creates the (stateless) lamp engine. */
export const createEngine: CreateEngine = () => {
  const engine: ModuleEngine = {
    read(crop, params, ctx) {
      const t = lightButtonParams.parse(params);
      const ring = ctx.surround && ctx.surroundRect
        ? { surround: ctx.surround, surroundRect: ctx.surroundRect }
        : undefined;
      const m = lampState(crop, { ring, thresholds: t });
      return Promise.resolve({
        text: m.state,
        value: m.state === "on" ? 1 : 0,
        confidence: m.confidence,
        data: m,
      });
    },
  };
  return Promise.resolve(engine);
};
