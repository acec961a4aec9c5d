/** `sevenseg`: a real seven-segment decoder (segments sampled, lit/unlit split per display). */
import { z } from "zod";
import type { ModuleDescriptor } from "../module_types.ts";

/** Per-ROI params of `sevenseg`. */
export const sevensegParams = z.object({
  /** Digit cells on the display, unlit leading ones included; default: found from the layout. */
  digits: z.number().int().min(1).max(32).optional(),
  /** `dark_on_light` (LCD), `light_on_dark` (LED, VFD) or `auto`. */
  polarity: z.enum(["auto", "dark_on_light", "light_on_dark"]).default("auto"),
  /** Digits after an implied decimal point (no printed point): 12345 → 123.45. */
  decimals: z.number().int().min(0).max(9).optional(),
  /** Below this ink contrast (0..1 of the gray range) the display counts as unlit (empty text). */
  min_contrast: z.number().min(0).max(1).default(0.05),
});

/** Parsed `sevenseg` params. */
export type SevensegParams = z.infer<typeof sevensegParams>;

/** Registry entry of `sevenseg`. */
export const descriptor: ModuleDescriptor = {
  name: "sevenseg",
  description:
    "Seven-segment LCD/LED/VFD displays: samples each digit's segments and tells lit from ghost segments per display.",
  params: sevensegParams,
  output: "number",
  engineUrl: new URL("./engine.ts", import.meta.url),
};
