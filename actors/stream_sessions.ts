/**
 * Per-cam_id sessions, VisionROI's unit of control: each cam_id points at a camera (shared when two
 * cam_ids use one source) and may run a preview stream. The desired state lives in
 * `service_state.json`, so preview streams come back after a restart.
 */
import type { CameraSystem, CameraView } from "./camera_system.ts";
import type { SourceSpec } from "./frame_sources/frame.ts";
import type { CamState, ServiceStateFile } from "../storage/service_state.ts";
import type { SourceStore } from "../storage/source_store.ts";
import { specFromConfig } from "./frame_sources/source_spec.ts";

/** Camera settings as VisionROI's `apply_camera_settings` takes them, already validated. */
export interface CamSettings {
  name?: string;
  source?: string;
  width?: number;
  height?: number;
  stream_type?: "opencv" | "ffmpeg";
}

/** Answer of start/stop calls, VisionROI's words. */
export interface StreamAnswer {
  status: "started" | "already_running" | "stopped" | "no_task" | "error";
  cam_id: string;
  message?: string;
  camera?: CameraView;
}

export { specFromConfig };

const PREVIEW = (camId: string) => `preview:${camId}`;

/** Sessions keyed by cam_id. */
export class StreamSessions {
  #cameras: CameraSystem;
  #sources: SourceStore;
  #state: ServiceStateFile;
  #cams = new Map<string, CamState>();
  #openWaitMs: number;

  constructor(opts: {
    cameras: CameraSystem;
    sources: SourceStore;
    state: ServiceStateFile;
    /** How long a start waits for a first frame before answering, ms (3000). */
    openWaitMs?: number;
  }) {
    this.#cameras = opts.cameras;
    this.#sources = opts.sources;
    this.#state = opts.state;
    this.#openWaitMs = opts.openWaitMs ?? 3_000;
  }

  /** Loads `service_state.json` and starts every preview stream it lists. */
  async restore(): Promise<string[]> {
    const state = await this.#state.load();
    const started: string[] = [];
    for (const [camId, cam] of Object.entries(state.cameras)) {
      this.#cams.set(camId, cam);
      if (!cam.roi_running) continue;
      const answer = await this.startPreview(camId, undefined);
      if (answer.status === "started") started.push(camId);
      else console.error(`cam ${camId}: preview not restored: ${answer.message}`);
    }
    return started;
  }

  /** The camera id a cam_id uses, if it has settings. */
  cameraOf(camId: string): string | undefined {
    const cam = this.#cams.get(camId);
    if (!cam) return undefined;
    return cam.active_source || `cam:${camId}`;
  }

  /** Whether a preview stream runs for the cam_id. */
  previewRunning(camId: string): boolean {
    return this.#cams.get(camId)?.roi_running === true;
  }

  /** VisionROI's `/roi_stream_status` answer. */
  previewStatus(camId: string): { running: boolean; cam_id: string; source: string } {
    const cam = this.#cams.get(camId);
    return { running: cam?.roi_running === true, cam_id: camId, source: cam?.active_source ?? "" };
  }

  /** All cam_id entries (for the dashboard and tests). */
  entries(): [string, CamState][] {
    return [...this.#cams.entries()];
  }

  /** The stored entry of a cam_id. */
  entry(camId: string): CamState | undefined {
    return this.#cams.get(camId);
  }

  /**
   * Points a cam_id at a camera for a job: resolves its settings like a preview start, configures
   * the camera, and stores the entry with `patch` applied (not yet held).
   */
  async bind(
    camId: string,
    settings: CamSettings | undefined,
    patch: Partial<CamState>,
  ): Promise<{ cameraId: string; spec: SourceSpec } | { error: string }> {
    const resolved = await this.#resolve(camId, settings);
    if ("error" in resolved) return resolved;
    await this.#cameras.configure(resolved.cameraId, resolved.spec);
    this.#cams.set(camId, { ...resolved.cam, ...patch });
    await this.#save();
    return { cameraId: resolved.cameraId, spec: resolved.spec };
  }

  /** Changes stored fields of a cam_id (job state); forgets it when nothing runs any more. */
  async patch(camId: string, patch: Partial<CamState>): Promise<void> {
    const cam = this.#cams.get(camId);
    if (!cam) return;
    const next = { ...cam, ...patch };
    if (!next.roi_running && !next.inference_running) this.#cams.delete(camId);
    else this.#cams.set(camId, next);
    await this.#save();
  }

  /** Writes `service_state.json` again when its last write failed (a full disk); throws if it still fails. */
  async saveIfStale(): Promise<void> {
    if (this.#state.stale) await this.#save();
  }

  /** Starts (or reconfigures) the preview stream of a cam_id. */
  async startPreview(camId: string, settings: CamSettings | undefined): Promise<StreamAnswer> {
    const already = this.previewRunning(camId);
    const resolved = await this.#resolve(camId, settings);
    if ("error" in resolved) return { status: "error", cam_id: camId, message: resolved.error };
    const { cameraId, spec, cam } = resolved;
    const oldCamera = this.cameraOf(camId);
    if (already && oldCamera && oldCamera !== cameraId) {
      await this.#cameras.release(oldCamera, PREVIEW(camId));
    }
    await this.#cameras.configure(cameraId, spec);
    if (!(await this.#cameras.hold(cameraId, PREVIEW(camId)))) {
      return { status: "error", cam_id: camId, message: "open_failed" };
    }
    const failure = await this.#awaitOpen(cameraId);
    if (failure) {
      await this.#cameras.release(cameraId, PREVIEW(camId));
      return { status: "error", cam_id: camId, message: `open_failed: ${failure}` };
    }
    this.#cams.set(camId, { ...cam, roi_running: true });
    await this.#save();
    return {
      status: already ? "already_running" : "started",
      cam_id: camId,
      camera: this.#cameras.view(cameraId),
    };
  }

  /** Stops the preview stream; the cam_id's other state (a job) is left alone. */
  async stopPreview(camId: string): Promise<StreamAnswer> {
    const cam = this.#cams.get(camId);
    if (!cam?.roi_running) return { status: "no_task", cam_id: camId };
    await this.#cameras.release(this.cameraOf(camId)!, PREVIEW(camId));
    if (cam.inference_running) this.#cams.set(camId, { ...cam, roi_running: false });
    else this.#cams.delete(camId);
    await this.#save();
    return { status: "stopped", cam_id: camId };
  }

  /** Stops every session using a source (it was deleted) and forgets them. */
  async dropSource(name: string): Promise<void> {
    for (const [camId, cam] of [...this.#cams.entries()]) {
      if (cam.active_source !== name) continue;
      if (cam.roi_running) await this.#cameras.release(name, PREVIEW(camId));
      this.#cams.delete(camId);
    }
    await this.#cameras.remove(name);
    await this.#save();
  }

  /** Points sessions of a renamed source at its new name. */
  async renameSource(oldName: string, newName: string): Promise<void> {
    for (const [camId, cam] of [...this.#cams.entries()]) {
      if (cam.active_source !== oldName) continue;
      if (cam.roi_running) await this.#cameras.release(oldName, PREVIEW(camId));
      this.#cams.set(camId, { ...cam, active_source: newName });
      if (cam.roi_running) await this.#cameras.hold(newName, PREVIEW(camId));
    }
    await this.#cameras.remove(oldName);
    await this.#save();
  }

  async #resolve(
    camId: string,
    settings: CamSettings | undefined,
  ): Promise<{ cameraId: string; spec: SourceSpec; cam: CamState } | { error: string }> {
    const prev = this.#cams.get(camId);
    const name = settings?.name ?? prev?.active_source ?? (settings?.source ? "" : camId);
    const saved = name ? await this.#sources.get(name) : undefined;
    let spec: SourceSpec;
    if (settings?.source) {
      spec = specFromConfig({ ...settings, source: settings.source });
    } else if (saved) {
      spec = specFromConfig({ ...saved, ...definedOnly(settings ?? {}) });
    } else if (prev?.source !== null && prev?.source !== undefined) {
      const [w, h] = prev.resolution;
      spec = specFromConfig({
        source: String(prev.source),
        width: w ?? undefined,
        height: h ?? undefined,
        stream_type: prev.backend,
      });
    } else {
      return { error: "open_failed: no source configured for this cam_id" };
    }
    const cameraId = name || `cam:${camId}`;
    const cam: CamState = {
      ...(prev ?? {}),
      source: /^\d+$/.test(spec.source) ? Number(spec.source) : spec.source,
      resolution: [spec.width ?? null, spec.height ?? null],
      backend: spec.streamType ?? "opencv",
      active_source: name,
      inference_running: prev?.inference_running ?? false,
      inference_group: prev?.inference_group ?? null,
      interval: prev?.interval ?? 1.0,
      result_timeout: prev?.result_timeout ?? 10.0,
      draw_page_boxes: prev?.draw_page_boxes ?? null,
      roi_low_latency: prev?.roi_low_latency ?? null,
    };
    return { cameraId, spec, cam };
  }

  /** Waits for a first frame; returns the reason when the camera failed for good meanwhile. */
  async #awaitOpen(cameraId: string): Promise<string | undefined> {
    const frame = await this.#cameras.frame(cameraId, { timeoutMs: this.#openWaitMs });
    if (frame) return undefined;
    const view = this.#cameras.view(cameraId);
    return view?.status === "failed" ? view.lastError ?? "failed" : undefined;
  }

  #save(): Promise<void> {
    return this.#state.save({ cameras: Object.fromEntries(this.#cams) });
  }
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
