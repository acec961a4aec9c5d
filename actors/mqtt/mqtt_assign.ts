/**
 * Assigns one MQTT config to many ROIs at once: every `type: "roi"` entry of a source, of a group
 * (in every source), or of a group in one source; or takes it off them again. Each source's ROI
 * file is written through the desired state, so running jobs that follow it pick the change up.
 */
import type { DesiredState } from "../state/desired_state.ts";
import { loadRois } from "../../storage/roi_store.ts";

/** Which ROIs, and what to do. */
export interface AssignRequest {
  /** The config's name. */
  config: string;
  /** Only ROIs of this source [every source]. */
  source?: string;
  /** Only ROIs of this group [every group]; "" matches ROIs without a group. */
  group?: string;
  /** Take the config off the matching ROIs that name it, instead of assigning it [false]. */
  clear?: boolean;
}

/** What changed. */
export interface AssignResult {
  /** ROIs that matched source and group. */
  matched: number;
  /** ROIs whose `mqtt_config` changed. */
  changed: number;
  /** Changed ROIs per source (only sources with changes). */
  sources: Record<string, number>;
}

/** Applies `req` to the saved ROI sets; a source with no change is not written. */
export async function assignMqttConfig(
  state: Pick<DesiredState, "sources" | "saveRois">,
  req: AssignRequest,
): Promise<AssignResult> {
  const names = req.source !== undefined
    ? [req.source]
    : (await state.sources.list()).map((s) => s.name);
  const result: AssignResult = { matched: 0, changed: 0, sources: {} };
  for (const source of names) {
    // An unknown source given by name is a 404 (NotFoundError) from loadRois.
    const { rois } = await loadRois(state.sources, source);
    let changed = 0;
    const next = (rois as Record<string, unknown>[]).map((entry) => {
      if ((entry.type ?? "roi") !== "roi") return entry;
      if (req.group !== undefined && (entry.group ?? "") !== req.group) return entry;
      result.matched++;
      if (req.clear) {
        if (entry.mqtt_config !== req.config) return entry;
        changed++;
        const { mqtt_config: _gone, ...rest } = entry;
        return rest;
      }
      if (entry.mqtt_config === req.config) return entry;
      changed++;
      return { ...entry, mqtt_config: req.config };
    });
    if (changed === 0) continue;
    await state.saveRois(source, next);
    result.changed += changed;
    result.sources[source] = changed;
  }
  return result;
}
