/** `light_button`: lamp or push-button light on/off from the lamp's core against its surroundings. */
import { z } from "zod";
import type { ModuleDescriptor } from "../module_types.ts";

/** Per-ROI params; the defaults were chosen on the lamp and HMI fixtures (25/25 lamps, 2/2 HMI). */
export const lightButtonParams = z.object({
  /** A channel at or above this counts as clipped (a lamp core saturating the sensor). */
  clipLevel: z.number().int().min(1).max(255).default(250),
  /** Share of the core that must clip for "on". */
  minClipShare: z.number().min(0).max(1).default(0.1),
  /** How far the core's bright end (p90 of V) must exceed the surroundings' bright end for "on". */
  minExcess: z.number().min(0).max(255).default(15),
  /** The core's p90 V must also reach this for the excess rule (dim scenes do not glow). */
  minCoreLevel: z.number().min(0).max(255).default(200),
});

/** Registry entry of `light_button`. */
export const descriptor: ModuleDescriptor = {
  name: "light_button",
  description: "Lamp or lit button on/off: the lamp's bright core compared with its surroundings.",
  params: lightButtonParams,
  output: "state",
  engineUrl: new URL("./engine.ts", import.meta.url),
  surround: true,
};
