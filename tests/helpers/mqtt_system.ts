/** An MqttSystem on its own (no cameras or jobs) in a temp data dir, and results to feed its sink. */
import { type JobControl, MqttSystem } from "../../actors/mqtt/mqtt_system.ts";
import type { FrameResult } from "../../actors/jobs/result_bus.ts";
import { FileSnapshotStore } from "../../actors/runtime/mod.ts";
import { type MqttConfig, normaliseStored } from "../../storage/mqtt_config.ts";

/** The system, its data dir, and `close()`. */
export interface LoneMqtt {
  sys: MqttSystem;
  dataDir: string;
  close(): Promise<void>;
}

/**
 * Starts an MqttSystem with no ROIs, and no jobs unless `opts.jobs` stands in for them. With
 * `opts.dataDir` it uses that folder and `close()` leaves it; otherwise a temp one it removes.
 */
export async function loneMqtt(
  configs: MqttConfig[] = [],
  opts: { dataDir?: string; jobs?: JobControl } = {},
): Promise<LoneMqtt> {
  const dataDir = opts.dataDir ?? await Deno.makeTempDir({ prefix: "visionroi-mqtt-" });
  const sys = new MqttSystem({
    dataDir,
    jobs: opts.jobs ?? {
      start: (camId) =>
        Promise.resolve({ status: "error", cam_id: camId, message: "no jobs here" }),
      stop: (camId) => Promise.resolve({ status: "no_task", cam_id: camId }),
      config: () => undefined,
      camIds: () => [],
    },
    store: new FileSnapshotStore(`${dataDir}/.actors`),
    roiSets: () => Promise.resolve([]),
  });
  await sys.start(configs);
  return {
    sys,
    dataDir,
    async close() {
      await sys.stopAll();
      if (!opts.dataDir) await Deno.remove(dataDir, { recursive: true });
    },
  };
}

/** A config with defaults for the fields not given. */
export function mqttConfig(
  fields: Partial<MqttConfig> & { name: string; port: number },
): MqttConfig {
  return { ...normaliseStored({ host: "127.0.0.1", ...fields })!, ...fields };
}

/** A one-ROI frame result numbered `seq` (its text and frame_time carry the number). */
export function seqResult(seq: number, config: string, roiId = "r1"): FrameResult {
  const t = 1_700_000_000 + seq;
  return {
    frame_time: t,
    result_time: t + 0.01,
    cam_id: "cam1",
    source: "src",
    group: "g",
    frame_duration: 0.01,
    results: [{
      id: roiId,
      name: "Counter",
      text: String(seq),
      module: "digits",
      group: "g",
      cam_id: "cam1",
      source: "src",
      frame_time: t,
      result_time: t + 0.01,
      duration: 0.01,
      mqtt_config: config,
    }],
  };
}

/** The numbers of `seq` results in a list of payloads, first occurrences only (QoS 1 may repeat). */
export function firstSeqs(payloads: string[]): number[] {
  const seen = new Set<number>();
  const out: number[] = [];
  for (const p of payloads) {
    const n = Number(JSON.parse(p).text);
    if (!seen.has(n)) out.push(n);
    seen.add(n);
  }
  return out;
}
