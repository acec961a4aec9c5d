/**
 * `service_state.json` in VisionROI's format: what should run per cam_id, so a restart (or a start
 * after `kill -9`) brings it back. Writes are atomic and serialised.
 */
import { join } from "node:path";
import { writeFileAtomic } from "../actors/runtime/snapshot_store.ts";

/** One cam_id's desired state; VisionROI's keys plus `roi_running` (preview streams come back too). */
export interface CamState {
  source: string | number | null;
  resolution: [number | null, number | null];
  backend: string;
  active_source: string;
  inference_running: boolean;
  inference_group: string | null;
  interval: number;
  result_timeout: number;
  draw_page_boxes: boolean | null;
  roi_low_latency: boolean | null;
  /** Ours: a preview stream runs for this cam_id. */
  roi_running?: boolean;
  [extra: string]: unknown;
}

/** The whole file. */
export interface ServiceState {
  cameras: Record<string, CamState>;
}

/** Fills VisionROI's defaults into a loaded entry; accepts its legacy `stream_type` key. */
export function normalizeCamState(raw: Record<string, unknown>): CamState {
  const res = Array.isArray(raw.resolution) ? raw.resolution : [null, null];
  const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : null);
  const backend = typeof raw.backend === "string"
    ? raw.backend
    : typeof raw.stream_type === "string"
    ? raw.stream_type
    : "opencv";
  return {
    ...raw,
    source: typeof raw.source === "string" || typeof raw.source === "number" ? raw.source : null,
    resolution: [num(res[0]), num(res[1])],
    backend,
    active_source: typeof raw.active_source === "string" ? raw.active_source : "",
    inference_running: raw.inference_running === true,
    inference_group: typeof raw.inference_group === "string" ? raw.inference_group : null,
    interval: num(raw.interval) ?? 1.0,
    result_timeout: Math.max(0.1, num(raw.result_timeout) ?? 10.0),
    draw_page_boxes: typeof raw.draw_page_boxes === "boolean" ? raw.draw_page_boxes : null,
    roi_low_latency: typeof raw.roi_low_latency === "boolean" ? raw.roi_low_latency : null,
    roi_running: raw.roi_running === true,
  };
}

/** Reads and writes `<dataDir>/service_state.json`. */
export class ServiceStateFile {
  readonly path: string;
  #chain: Promise<void> = Promise.resolve();
  #stale = false;

  constructor(dataDir: string) {
    this.path = join(dataDir, "service_state.json");
  }

  /** The stored state; an absent file is empty, a corrupt one is reported and treated as empty. */
  async load(): Promise<ServiceState> {
    let text: string;
    try {
      text = await Deno.readTextFile(this.path);
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return { cameras: {} };
      throw err;
    }
    try {
      const raw = JSON.parse(text);
      const cams = raw?.cameras && typeof raw.cameras === "object" ? raw.cameras : {};
      const cameras: Record<string, CamState> = {};
      for (const [id, v] of Object.entries(cams)) {
        if (v && typeof v === "object") {
          cameras[id] = normalizeCamState(v as Record<string, unknown>);
        }
      }
      return { cameras };
    } catch (err) {
      console.error(`service_state.json is unreadable (${(err as Error).message}); starting empty`);
      return { cameras: {} };
    }
  }

  /** True when the last write failed (a full disk): the file is older than the state. */
  get stale(): boolean {
    return this.#stale;
  }

  /** Writes the state atomically, after any write already under way. */
  save(state: ServiceState): Promise<void> {
    const text = JSON.stringify(state);
    const next = this.#chain.then(() => writeFileAtomic(this.path, text));
    this.#chain = next.then(() => {
      this.#stale = false;
    }, (err) => {
      this.#stale = true;
      console.error(`service_state.json not saved: ${err.message}`);
    });
    return next;
  }
}
