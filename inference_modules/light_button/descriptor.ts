/** `light_button`: lamp or push-button light on/off from the lamp's core against its surroundings. */
import { z } from "zod";
import type { ModuleDescriptor } from "../module_types.ts";
import { colorHue } from "./lamp_state.ts";

/**
 * Per-ROI params; the defaults were chosen on the lamp and HMI fixtures (25/25 lamps, 2/2 HMI) and
 * the synthetic glint set of `bench/lamp_synth.ts`. Unknown keys (the old `minClipShare`) are ignored.
 */
export const lightButtonParams = z.object({
  /** A channel at or above this counts as clipped (a lamp core saturating the sensor). */
  clipLevel: z.number().int().min(1).max(255).default(250),
  /** How far an emitting pixel's V must exceed the surroundings' bright end (p90 of V). */
  minExcess: z.number().min(0).max(255).default(15),
  /** An emitting pixel's V must also reach this (dim scenes do not glow). */
  minCoreLevel: z.number().min(0).max(255).default(220),
  /** Share of the lamp (ellipse inscribed in the ROI) the largest emitting blob must cover for "on". */
  minCoreShare: z.number().min(0).max(1).default(0.2),
  /** Halo (0..1) around a smaller core (≥ a quarter of minCoreShare) that still makes it "on". */
  minHalo: z.number().min(0).max(1).default(0.7),
  /** Expected lit colour: red, orange, amber, yellow, green, cyan, blue, purple, magenta, white or #rrggbb. */
  color: z.string().refine((c) => colorHue(c) !== undefined, {
    error: (iss) =>
      `${JSON.stringify(iss.input)} is not a colour: use red, orange, amber, yellow, green, ` +
      "cyan, blue, purple, magenta, white or #rrggbb",
  }).optional(),
});

/** Registry entry of `light_button`. */
export const descriptor: ModuleDescriptor = {
  name: "light_button",
  description:
    "Lamp or lit button on/off: the size of the lamp's emitting core and the halo around it.",
  params: lightButtonParams,
  output: "state",
  engineUrl: new URL("./engine.ts", import.meta.url),
  surround: true,
};
