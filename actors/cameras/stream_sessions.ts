/**
 * Per-cam_id sessions, VisionROI's unit of control: each cam_id points at a camera (shared when two
 * cam_ids ask for the same capture) and may run a preview stream. The entries (which previews should
 * run, and the jobs' fields) live in the desired state, which alone reads and writes
 * `service_state.json`, so preview streams come back after a restart; this actor holds the cameras
 * of the previews that run and reconciles them with the stored entries (`reconcilePreview`, called
 * on the store's `preview` changes). A leased preview (`roi_*`, the ROI editor's) lives only while
 * a page holds it. One actor: every change is a message handled in turn, so concurrent starts and
 * stops cannot interleave.
 */
import type { CameraSystem, CameraView } from "./camera_system.ts";
import type { SourceSpec } from "../frame_sources/frame.ts";
import type { CamState } from "../../storage/service_state.ts";
import type { DesiredState } from "../state/desired_state.ts";
import type { SourceStore } from "../../storage/source_store.ts";
import { specFromConfig } from "../frame_sources/source_spec.ts";
import { lowLatencyApplies } from "../frame_sources/ffmpeg_args.ts";
import { Actor, asError, type Clock, type Reply, type TimerId } from "../runtime/mod.ts";
import {
  addHolder,
  DEFAULT_LEASE_MS,
  isLeased,
  isLeaseExpired,
  type Lease,
  leaseExpiresAt,
  nextExpiry,
  removeHolder,
  renewLease,
} from "./preview_leases.ts";

/** Camera settings as VisionROI's `apply_camera_settings` takes them, already validated. */
export interface CamSettings {
  name?: string;
  source?: string;
  width?: number;
  height?: number;
  stream_type?: "opencv" | "ffmpeg";
  /**
   * Preview streams only: VisionROI's `low_latency`. Absent: the cam_id's stored flag, else true
   * (VisionROI's default). Jobs capture in stable mode, as VisionROI's did.
   */
  low_latency?: boolean;
}

/** Answer of start/stop calls, VisionROI's words. */
export interface StreamAnswer {
  status: "started" | "already_running" | "stopped" | "no_task" | "error";
  cam_id: string;
  message?: string;
  camera?: CameraView;
}

export { specFromConfig };
/** A preview's lease as the API shows it. */
export interface LeaseView {
  cam_id: string;
  /** Open sockets holding it. */
  holders: number;
  /** When it runs out without a heartbeat, epoch seconds; null while a socket holds it. */
  expires_at: number | null;
}

const PREVIEW = (camId: string) => `preview:${camId}`;

type Bound = { cameraId: string; spec: SourceSpec };

/** Messages of the sessions actor; the ones with `reply` answer their caller. */
export type SessionMessage =
  | { type: "restore"; reply: Reply<string[]> }
  | {
    type: "start_preview";
    camId: string;
    settings: CamSettings | undefined;
    reply: Reply<StreamAnswer>;
  }
  | { type: "stop_preview"; camId: string; reply: Reply<StreamAnswer> }
  | {
    type: "bind";
    camId: string;
    settings: CamSettings | undefined;
    patch: Partial<CamState>;
    reply: Reply<Bound | { error: string }>;
  }
  | { type: "patch"; camId: string; patch: Partial<CamState>; reply: Reply<void> }
  | { type: "drop_source"; name: string; reply: Reply<void> }
  | { type: "rename_source"; oldName: string; newName: string; reply: Reply<void> }
  | { type: "source_changed"; name: string; reply: Reply<string[]> }
  | { type: "heartbeat"; camId: string; reply: Reply<LeaseView | undefined> }
  | { type: "reconcile_preview"; camId: string; reply: Reply<void> }
  | { type: "hold"; camId: string; holder: string }
  | { type: "let_go"; camId: string; holder: string }
  | { type: "lease_check" };

/** Snapshot of the sessions actor. */
export interface SessionsSnapshot {
  status: "running";
  /** cam_ids with a stored entry. */
  sessions: number;
  /** cam_ids whose preview stream runs. */
  previews: number;
  /** Leased previews stopped because nothing held them. */
  leasesExpired: number;
}

/** Stream sessions options; defaults in brackets. */
export interface StreamSessionsOptions {
  cameras: CameraSystem;
  sources: SourceStore;
  /** The stored cam_id entries (the desired state; `service_state.json`). */
  state: SessionTable;
  /** How long a start waits for a first frame before answering, ms [3000]. */
  openWaitMs?: number;
  /** How long a leased preview lives without a holder, ms [60 000]. */
  leaseMs?: number;
  /** Time source [system clock]. */
  clock?: Clock;
}

/** What the sessions use of the desired state. */
export type SessionTable = Pick<
  DesiredState,
  "session" | "sessionEntries" | "setSession" | "saveSessions" | "sessionsStale"
>;

/** Sessions keyed by cam_id. */
export class StreamSessions extends Actor<SessionMessage, SessionsSnapshot> {
  #cameras: CameraSystem;
  #sources: SourceStore;
  #state: SessionTable;
  /** cam_id → the camera its running preview holds. */
  #held = new Map<string, string>();
  #cameraIds = new Map<string, string>();
  #leases = new Map<string, Lease>();
  #leaseTimer: TimerId | undefined;
  #pending = new Set<Reply<unknown>>();
  #openWaitMs: number;
  /** How long a leased preview lives without a holder, ms. */
  readonly leaseMs: number;

  constructor(opts: StreamSessionsOptions) {
    super("sessions", { status: "running", sessions: 0, previews: 0, leasesExpired: 0 }, {
      clock: opts.clock,
    });
    this.#cameras = opts.cameras;
    this.#sources = opts.sources;
    this.#state = opts.state;
    this.#openWaitMs = opts.openWaitMs ?? 3_000;
    this.leaseMs = opts.leaseMs ?? DEFAULT_LEASE_MS;
  }

  /** Starts every preview stream the (loaded) desired state lists. */
  restore(): Promise<string[]> {
    return this.#ask((reply) => ({ type: "restore", reply }));
  }

  /** Starts (or reconfigures) the preview stream of a cam_id. */
  startPreview(camId: string, settings: CamSettings | undefined): Promise<StreamAnswer> {
    return this.#ask((reply) => ({ type: "start_preview", camId, settings, reply }));
  }

  /** Stops the preview stream; the cam_id's other state (a job) is left alone. */
  stopPreview(camId: string): Promise<StreamAnswer> {
    return this.#ask((reply) => ({ type: "stop_preview", camId, reply }));
  }

  /**
   * Points a cam_id at a camera for a job: resolves its settings like a preview start, registers
   * the camera, and stores the entry with `patch` applied (not yet held).
   */
  bind(
    camId: string,
    settings: CamSettings | undefined,
    patch: Partial<CamState>,
  ): Promise<Bound | { error: string }> {
    return this.#ask((reply) => ({ type: "bind", camId, settings, patch, reply }));
  }

  /** Changes stored fields of a cam_id (job state); forgets it when nothing runs any more. */
  patch(camId: string, patch: Partial<CamState>): Promise<void> {
    return this.#ask((reply) => ({ type: "patch", camId, patch, reply }));
  }

  /** Stops every preview using a source (it was deleted) and forgets those sessions. */
  dropSource(name: string): Promise<void> {
    return this.#ask((reply) => ({ type: "drop_source", name, reply }));
  }

  /** Points sessions of a renamed source at its new name (the capture, and so the camera, stays). */
  renameSource(oldName: string, newName: string): Promise<void> {
    return this.#ask((reply) => ({ type: "rename_source", oldName, newName, reply }));
  }

  /**
   * A saved source's capture changed: its previews move to the camera of the new capture. Returns
   * the cam_ids whose jobs use the source, for the caller to rebind.
   */
  sourceChanged(name: string): Promise<string[]> {
    return this.#ask((reply) => ({ type: "source_changed", name, reply }));
  }

  /**
   * Makes the cam_id's preview match its stored entry: started when asked for and not running,
   * stopped when running and no longer asked for.
   */
  reconcilePreview(camId: string): Promise<void> {
    return this.#ask((reply) => ({ type: "reconcile_preview", camId, reply }));
  }

  /** A page's heartbeat for a leased preview; undefined when no preview runs for the cam_id. */
  heartbeat(camId: string): Promise<LeaseView | undefined> {
    return this.#ask((reply) => ({ type: "heartbeat", camId, reply }));
  }

  /** `holder` (an open socket) keeps the cam_id's leased preview alive until the returned release. */
  holdLease(camId: string, holder: string): () => void {
    if (!isLeased(camId) || this.ended) return () => {};
    void this.send({ type: "hold", camId, holder });
    return () => {
      if (!this.ended) void this.send({ type: "let_go", camId, holder });
    };
  }

  /** The lease of a cam_id's preview, if it is leased and runs. */
  lease(camId: string): LeaseView | undefined {
    const lease = this.#leases.get(camId);
    if (!lease || !this.previewRunning(camId)) return undefined;
    return this.#leaseView(camId, lease);
  }

  /** The camera id a cam_id uses, if it has settings. */
  cameraOf(camId: string): string | undefined {
    const known = this.#cameraIds.get(camId);
    if (known) return known;
    const cam = this.#state.session(camId);
    if (!cam || cam.source === null) return undefined;
    return this.#cameras.register(withLatency(specOfCam(cam), previewLatency(cam)));
  }

  /** Whether a preview stream runs for the cam_id. */
  previewRunning(camId: string): boolean {
    return this.#held.has(camId);
  }

  /** VisionROI's `/roi_stream_status` answer. */
  previewStatus(camId: string): { running: boolean; cam_id: string; source: string } {
    const cam = this.#state.session(camId);
    return { running: this.#held.has(camId), cam_id: camId, source: cam?.active_source ?? "" };
  }

  /** All cam_id entries (for the dashboard and tests). */
  entries(): [string, CamState][] {
    return this.#state.sessionEntries();
  }

  /** The stored entry of a cam_id. */
  entry(camId: string): CamState | undefined {
    return this.#state.session(camId);
  }

  protected override onStart(): () => void {
    return () => {
      if (this.#leaseTimer !== undefined) this.clock.clearTimeout(this.#leaseTimer);
      for (const reply of [...this.#pending]) reply(new Error("stream sessions stopped"));
    };
  }

  protected async receive(msg: SessionMessage): Promise<void> {
    if (!("reply" in msg)) return this.#onLeaseMessage(msg);
    // A failed request answers its caller with the error; the actor goes on with the next one.
    const reply = msg.reply as Reply<unknown>;
    try {
      reply(await this.#handle(msg));
    } catch (err) {
      reply(asError(err));
    } finally {
      this.#publish();
    }
  }

  #handle(msg: Extract<SessionMessage, { reply: unknown }>): Promise<unknown> {
    switch (msg.type) {
      case "restore":
        return this.#restore();
      case "start_preview":
        return this.#startPreview(msg.camId, msg.settings);
      case "stop_preview":
        return this.#stopPreview(msg.camId);
      case "bind":
        return this.#bind(msg.camId, msg.settings, msg.patch);
      case "patch":
        return this.#patch(msg.camId, msg.patch);
      case "drop_source":
        return this.#dropSource(msg.name);
      case "rename_source":
        return this.#renameSource(msg.oldName, msg.newName);
      case "source_changed":
        return this.#sourceChanged(msg.name);
      case "heartbeat":
        return Promise.resolve(this.#heartbeat(msg.camId));
      case "reconcile_preview":
        return this.#reconcilePreview(msg.camId);
    }
  }

  async #onLeaseMessage(
    msg: Extract<SessionMessage, { type: "hold" | "let_go" | "lease_check" }>,
  ): Promise<void> {
    const now = this.clock.now();
    if (msg.type === "hold") {
      this.#leases.set(msg.camId, addHolder(this.#leases.get(msg.camId), msg.holder, now));
    } else if (msg.type === "let_go") {
      const lease = this.#leases.get(msg.camId);
      if (lease) this.#leases.set(msg.camId, removeHolder(lease, msg.holder, now));
    } else {
      for (const [camId, lease] of [...this.#leases]) {
        if (!isLeaseExpired(lease, now, this.leaseMs)) continue;
        this.#leases.delete(camId);
        if (!this.previewRunning(camId)) continue;
        console.warn(`cam ${camId}: preview stopped, nothing held it for ${this.leaseMs / 1000} s`);
        await this.#stopPreview(camId).catch((err) =>
          console.error(`cam ${camId}: expired preview not stopped: ${asError(err).message}`)
        );
        this.update({ leasesExpired: this.snapshot().leasesExpired + 1 });
      }
    }
    this.#armLeaseTimer();
    this.#publish();
  }

  async #restore(): Promise<string[]> {
    const started: string[] = [];
    for (const [camId, cam] of this.#state.sessionEntries()) {
      if (!cam.roi_running || this.#held.has(camId)) continue;
      const answer = await this.#startPreview(camId, undefined);
      // A preview already running (a job holds its camera) is restored as well.
      if (answer.status === "started" || answer.status === "already_running") started.push(camId);
      else {
        console.error(`cam ${camId}: preview not restored: ${answer.message ?? answer.status}`);
        await this.#notRunning(camId);
      }
    }
    return started;
  }

  async #reconcilePreview(camId: string): Promise<void> {
    const wanted = this.#state.session(camId)?.roi_running === true;
    const held = this.#held.get(camId);
    if (wanted && !held) {
      const answer = await this.#startPreview(camId, undefined);
      if (answer.status !== "started" && answer.status !== "already_running") {
        console.error(`cam ${camId}: preview not started: ${answer.message ?? answer.status}`);
        await this.#notRunning(camId);
      }
    } else if (!wanted && held) {
      await this.#cameras.release(held, PREVIEW(camId));
      this.#held.delete(camId);
      this.#leases.delete(camId);
    }
  }

  /** Stores that a preview that could not start does not run (the entry goes without a job). */
  async #notRunning(camId: string): Promise<void> {
    const cam = this.#state.session(camId);
    if (!cam) return;
    if (cam.inference_running) this.#state.setSession(camId, { ...cam, roi_running: false });
    else this.#forget(camId);
    await this.#save();
  }

  async #bind(
    camId: string,
    settings: CamSettings | undefined,
    patch: Partial<CamState>,
  ): Promise<Bound | { error: string }> {
    const resolved = await this.#resolve(camId, settings);
    if ("error" in resolved) return resolved;
    this.#state.setSession(camId, { ...resolved.cam, ...patch });
    this.#cameraIds.set(camId, resolved.cameraId);
    await this.#save();
    return { cameraId: resolved.cameraId, spec: resolved.spec };
  }

  async #patch(camId: string, patch: Partial<CamState>): Promise<void> {
    const cam = this.#state.session(camId);
    if (!cam) return;
    const next = { ...cam, ...patch };
    if (!next.roi_running && !next.inference_running) this.#forget(camId);
    else this.#state.setSession(camId, next);
    await this.#save();
  }

  /** Writes `service_state.json` again when its last write failed (a full disk); throws if it still fails. */
  async saveIfStale(): Promise<void> {
    if (this.#state.sessionsStale) await this.#save();
  }

  async #startPreview(camId: string, settings: CamSettings | undefined): Promise<StreamAnswer> {
    const already = this.previewRunning(camId);
    const lowLatency = settings?.low_latency ?? this.#state.session(camId)?.roi_low_latency ?? true;
    const resolved = await this.#resolve(camId, settings, lowLatency);
    if ("error" in resolved) return { status: "error", cam_id: camId, message: resolved.error };
    const { cameraId, cam } = resolved;
    const oldCamera = this.#held.get(camId);
    if (!(await this.#cameras.hold(cameraId, PREVIEW(camId)))) {
      return { status: "error", cam_id: camId, message: "open_failed" };
    }
    const failure = await this.#awaitOpen(cameraId);
    if (failure) {
      if (!(already && oldCamera === cameraId)) {
        await this.#cameras.release(cameraId, PREVIEW(camId));
      }
      return { status: "error", cam_id: camId, message: `open_failed: ${failure}` };
    }
    if (already && oldCamera && oldCamera !== cameraId) {
      await this.#cameras.release(oldCamera, PREVIEW(camId));
    }
    this.#state.setSession(camId, { ...cam, roi_running: true });
    this.#cameraIds.set(camId, cameraId);
    this.#held.set(camId, cameraId);
    if (isLeased(camId)) {
      this.#leases.set(camId, renewLease(this.#leases.get(camId), this.clock.now()));
      this.#armLeaseTimer();
    }
    await this.#save();
    return {
      status: already ? "already_running" : "started",
      cam_id: camId,
      camera: this.#cameras.view(cameraId),
    };
  }

  async #stopPreview(camId: string): Promise<StreamAnswer> {
    const cam = this.#state.session(camId);
    const cameraId = this.#held.get(camId);
    if (!cameraId && !cam?.roi_running) return { status: "no_task", cam_id: camId };
    if (cameraId) await this.#cameras.release(cameraId, PREVIEW(camId));
    this.#held.delete(camId);
    if (cam?.inference_running) this.#state.setSession(camId, { ...cam, roi_running: false });
    else this.#forget(camId);
    this.#leases.delete(camId);
    await this.#save();
    return { status: "stopped", cam_id: camId };
  }

  async #dropSource(name: string): Promise<void> {
    const users = this.#state.sessionEntries().filter(([, cam]) => cam.active_source === name);
    const cameraIds = new Set(users.map(([camId]) => this.cameraOf(camId)).filter(Boolean));
    for (const [camId] of users) {
      const held = this.#held.get(camId);
      if (held) await this.#cameras.release(held, PREVIEW(camId));
      this.#held.delete(camId);
      this.#forget(camId);
      this.#leases.delete(camId);
    }
    const mine = new Set(users.flatMap(([camId]) => [PREVIEW(camId), `job:${camId}`]));
    for (const id of cameraIds) {
      // A camera shared with a cam_id that asked for the same capture directly stays for it.
      if (this.#cameras.holders(id!).every((h) => mine.has(h))) await this.#cameras.remove(id!);
    }
    await this.#save();
  }

  async #renameSource(oldName: string, newName: string): Promise<void> {
    for (const [camId, cam] of this.#state.sessionEntries()) {
      if (cam.active_source === oldName) {
        this.#state.setSession(camId, { ...cam, active_source: newName });
      }
    }
    await this.#save();
  }

  async #sourceChanged(name: string): Promise<string[]> {
    const jobs: string[] = [];
    for (const [camId, cam] of this.#state.sessionEntries()) {
      if (cam.active_source !== name) continue;
      if (cam.inference_running) jobs.push(camId);
      if (!this.#held.has(camId)) continue;
      const resolved = await this.#resolve(camId, { name }, cam.roi_low_latency ?? true);
      if ("error" in resolved) continue;
      const old = this.#held.get(camId);
      if (old !== resolved.cameraId) {
        await this.#cameras.hold(resolved.cameraId, PREVIEW(camId));
        if (old) await this.#cameras.release(old, PREVIEW(camId));
      }
      this.#state.setSession(camId, { ...resolved.cam, roi_running: true });
      this.#cameraIds.set(camId, resolved.cameraId);
      this.#held.set(camId, resolved.cameraId);
    }
    await this.#save();
    return jobs;
  }

  #heartbeat(camId: string): LeaseView | undefined {
    if (!this.previewRunning(camId)) return undefined;
    const lease = renewLease(this.#leases.get(camId), this.clock.now());
    if (isLeased(camId)) {
      this.#leases.set(camId, lease);
      this.#armLeaseTimer();
    }
    return this.#leaseView(camId, lease);
  }

  #leaseView(camId: string, lease: Lease): LeaseView {
    const at = isLeased(camId) ? leaseExpiresAt(lease, this.leaseMs) : null;
    return { cam_id: camId, holders: lease.holders.length, expires_at: at && at / 1000 };
  }

  #armLeaseTimer(): void {
    if (this.#leaseTimer !== undefined) this.clock.clearTimeout(this.#leaseTimer);
    this.#leaseTimer = undefined;
    const at = nextExpiry(this.#leases.values(), this.leaseMs);
    if (at === undefined || this.ended) return;
    this.#leaseTimer = this.clock.setTimeout(() => {
      this.#leaseTimer = undefined;
      if (!this.ended) void this.send({ type: "lease_check" });
    }, Math.max(0, at - this.clock.now()));
  }

  #forget(camId: string): void {
    this.#state.setSession(camId, undefined);
    this.#cameraIds.delete(camId);
  }

  #publish(): void {
    this.update({ sessions: this.#state.sessionEntries().length, previews: this.#held.size });
  }

  /**
   * Asks the actor; long waits are possible (a restore opens every preview), so the bound is wide.
   * Questions still unanswered when the actor stops are answered with an error then.
   */
  #ask<R>(make: (reply: Reply<R>) => SessionMessage): Promise<R> {
    return this.ask((reply) => {
      const once: Reply<R> = (v) => {
        this.#pending.delete(once as Reply<unknown>);
        reply(v);
      };
      this.#pending.add(once as Reply<unknown>);
      return make(once);
    }, 10 * 60_000);
  }

  /**
   * The camera a cam_id's settings name, and its stored entry. `lowLatency` is a preview's mode
   * (stored as `roi_low_latency`); a job (undefined) captures in stable mode and keeps the flag.
   */
  async #resolve(
    camId: string,
    settings: CamSettings | undefined,
    lowLatency?: boolean,
  ): Promise<{ cameraId: string; spec: SourceSpec; cam: CamState } | { error: string }> {
    const prev = this.#state.session(camId);
    const name = settings?.name ?? prev?.active_source ?? (settings?.source ? "" : camId);
    const saved = name ? await this.#sources.get(name) : undefined;
    let spec: SourceSpec;
    if (settings?.source) {
      spec = specFromConfig({ ...settings, source: settings.source });
    } else if (saved) {
      spec = specFromConfig({ ...saved, ...definedOnly(settings ?? {}) });
    } else if (prev?.source !== null && prev?.source !== undefined) {
      spec = specOfCam(prev);
    } else {
      return { error: "open_failed: no source configured for this cam_id" };
    }
    spec = withLatency(spec, lowLatency ?? false);
    const cameraId = this.#cameras.register(spec);
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
      roi_low_latency: lowLatency ?? prev?.roi_low_latency ?? null,
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
    return this.#state.saveSessions();
  }
}

/** The capture a stored entry names (its backend is VisionROI's `stream_type`). */
function specOfCam(cam: CamState): SourceSpec {
  const [w, h] = cam.resolution;
  return specFromConfig({
    source: String(cam.source),
    width: w ?? undefined,
    height: h ?? undefined,
    stream_type: cam.backend,
  });
}

/** The low-latency mode a running preview of this entry captures in (a job's camera: none). */
function previewLatency(cam: CamState): boolean {
  return cam.roi_running === true && !cam.inference_running && cam.roi_low_latency !== false;
}

/** `spec` in low-latency mode when asked and it applies to its source (see `lowLatencyApplies`). */
function withLatency(spec: SourceSpec, lowLatency: boolean): SourceSpec {
  const { lowLatency: _old, ...rest } = spec;
  return lowLatency && lowLatencyApplies(spec.source) ? { ...rest, lowLatency: true } : rest;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
