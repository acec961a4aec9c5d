/**
 * A ROI's plausibility `rules` (issue 13): the zod schema the ROI validator, the OpenAPI document
 * and the editor's generated fields share. What each rule does is in actors/results/
 * plausibility_rules.ts and the README ("Plausibility rules").
 */
import { z } from "zod";

const finite = z.number();

/** `rules` of a `type:"roi"` entry; every field is optional, unknown fields are refused. */
export const RoiRulesSchema = z.object({
  numeric: z.boolean().default(true).describe(
    "parse the text into a number (spaces ignored, comma or point decimal, unit after it) [true]",
  ),
  decimals: z.number().int().min(0).max(10).nullable().optional().describe(
    "round the value to this many decimals",
  ),
  decimal_shift: z.number().int().min(-10).max(10).nullable().optional().describe(
    "move the decimal point: value × 10^shift (-1: 12345 → 1234.5)",
  ),
  min: finite.nullable().optional().describe("reject values below this"),
  max: finite.nullable().optional().describe("reject values above this"),
  max_delta: finite.min(0).nullable().optional().describe(
    "reject a value that moves more than this from the PreValue",
  ),
  max_rate_per_min: finite.min(0).nullable().optional().describe(
    "reject a value that moves faster than this per minute from the PreValue",
  ),
  allow_decrease: z.boolean().default(true).describe(
    "false: reject a value below the PreValue (a meter) [true]",
  ),
  reject_repeats_of: z.string().min(1).max(8).nullable().optional().describe(
    'reject a reading made only of repeats of this ("8": 88888, 88.8)',
  ),
  confirm_after: z.number().int().min(2).max(100).nullable().optional().describe(
    "accept a new level after this many consecutive agreeing readings",
  ),
  on_change_only: z.boolean().default(false).describe(
    "send a reading to MQTT, the history and notifiers only when it differs from the PreValue [false]",
  ),
}).strict().superRefine((r, ctx) => {
  if (typeof r.min === "number" && typeof r.max === "number" && r.min > r.max) {
    ctx.addIssue({
      code: "custom",
      path: ["min"],
      message: `min ${r.min} is above max ${r.max}`,
    });
  }
});

/** A ROI's plausibility rules as written in `rois.json` (every field optional). */
export type RoiRules = z.input<typeof RoiRulesSchema>;

type Json = Record<string, unknown>;

/**
 * The rules as a plain JSON Schema for the editor's generated fields (a page prop: the browser
 * bundle carries no zod): `anyOf [X, null]` becomes X with `type: [X.type, "null"]`.
 */
export function rulesFormSchema(): Json {
  const doc = z.toJSONSchema(RoiRulesSchema, { io: "input", unrepresentable: "any" }) as Json;
  const props = (doc.properties ?? {}) as Record<string, Json>;
  for (const [key, p] of Object.entries(props)) {
    const any = p.anyOf as Json[] | undefined;
    const main = any?.find((s) => s.type !== "null");
    if (any && main) {
      const { anyOf: _, ...rest } = p;
      props[key] = { ...rest, ...main, type: [main.type, "null"] };
    }
  }
  return { type: "object", properties: props };
}
