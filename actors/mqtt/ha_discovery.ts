/**
 * Home Assistant MQTT discovery for ROIs: one device per camera (the topic's source segment), one
 * `sensor` per text ROI (numeric modules get `state_class: measurement`), one `binary_sensor` per
 * `light_button` ROI, all tied to the connection's availability topic. Pure: builds topic → payload.
 */
import type { JobRoi } from "../jobs/inference_job_actor.ts";
import type { RoiSet } from "./roi_sets.ts";
import {
  baseSegments,
  deviceKey,
  nodeStatusTopic,
  roiTopic,
  sanitizeSegment,
  statusTopic,
} from "./mqtt_topics.ts";

/** Modules whose text is a number. */
const NUMERIC_MODULES = new Set(["digits"]);

/** The config fields discovery depends on. */
export interface DiscoveryConfig {
  name: string;
  base_topic: string;
  ha_prefix: string;
}

/**
 * Discovery topic → retained JSON payload for every ROI of `sets` that publishes to `cfg`. With
 * `nodes` (cluster mode: the live node ids) an entity is available while any node's
 * `<base>/status/<node>` says `online`, instead of the one `<base>/status`.
 */
export function discoveryConfigs(
  cfg: DiscoveryConfig,
  sets: readonly RoiSet[],
  nodes?: readonly string[],
): Map<string, string> {
  const out = new Map<string, string>();
  const base = baseSegments(cfg.base_topic).join("_") || "visionroi";
  for (const set of sets) {
    const device = deviceKey(set.source, set.camId);
    for (const roi of set.rois) {
      if ((roi.type ?? "roi") !== "roi" || !roi.module || roi.mqtt_config !== cfg.name) continue;
      const group = roi.group || roi.page || "";
      const stateTopic = roiTopic(cfg.base_topic, {
        source: set.source,
        camId: set.camId,
        group,
        roiId: String(roi.id),
      });
      const objectId = [sanitizeSegment(group) || "ungrouped", sanitizeSegment(roi.id) || "roi"]
        .join("_");
      const component = roi.module === "light_button" ? "binary_sensor" : "sensor";
      const topic = `${cfg.ha_prefix}/${component}/visionroi_${base}_${device}/${objectId}/config`;
      const e = entity(roi, { stateTopic, base, device, objectId, cfg });
      if (nodes?.length) {
        delete e.availability_topic;
        e.availability = [...nodes].sort().map((n) => ({
          topic: nodeStatusTopic(cfg.base_topic, n),
        }));
        e.availability_mode = "any";
      }
      out.set(topic, JSON.stringify(e));
    }
  }
  return out;
}

function entity(
  roi: JobRoi,
  at: { stateTopic: string; base: string; device: string; objectId: string; cfg: DiscoveryConfig },
): Record<string, unknown> {
  const e: Record<string, unknown> = {
    name: roi.name || String(roi.id),
    unique_id: `visionroi_${at.base}_${at.device}_${at.objectId}`,
    state_topic: at.stateTopic,
    value_template: "{{ value_json.text }}",
    json_attributes_topic: at.stateTopic,
    availability_topic: statusTopic(at.cfg.base_topic),
    payload_available: "online",
    payload_not_available: "offline",
    device: {
      identifiers: [`visionroi_${at.base}_${at.device}`],
      name: at.device,
      manufacturer: "VisionROI",
      model: "camera",
    },
  };
  const rules = roi.rules;
  if (rules && rules.numeric !== false && roi.module !== "light_button") {
    // Accepted values only reach the state topic, with the parsed number as `value`.
    e.value_template = "{{ value_json.value }}";
    e.state_class = "measurement";
  } else if (roi.module === "light_button") {
    e.payload_on = "on";
    e.payload_off = "off";
  } else if (roi.module && NUMERIC_MODULES.has(roi.module)) {
    e.state_class = "measurement";
  }
  return e;
}
