/**
 * Cameras under one supervisor, addressed by id through the registry: a held camera (a job or a
 * preview stream) runs until released; one woken by a request (a snapshot) is passivated when idle.
 * A camera's id is the key of what it captures (`cameraIdFor`), so its spec never changes: cam_ids
 * asking for the same capture share it, and one asking for another gets another camera.
 * Counters persist in the snapshot store so a restarted camera, or a new process, carries them on.
 */
import { CameraActor, type CameraSnapshot, type CameraStatus } from "./camera_actor.ts";
import { cameraIdFor, sameCapture } from "./camera_key.ts";
import { redactUrl } from "../frame_sources/redact.ts";
import type { Frame, FrameSource, SourceSpec } from "../frame_sources/frame.ts";
import {
  ActorRegistry,
  type ChildStatus,
  type Clock,
  keySegment,
  type SnapshotStore,
  Supervisor,
  systemClock,
} from "../runtime/mod.ts";

/** Camera system options; defaults in brackets. */
export interface CameraSystemOptions {
  /** Builds frame sources. */
  createSource: (spec: SourceSpec) => FrameSource;
  /** Where camera counters persist (`camera/<id>`). */
  store: SnapshotStore;
  /** Time source [system clock]. */
  clock?: Clock;
  /** Idle time before an on-demand camera stops, ms [60 000]. */
  idleTimeoutMs?: number;
  /** Smallest stall timeout, ms [10 000]. */
  minStallMs?: number;
  /** Jitter source for restart delays [Math.random]. */
  random?: () => number;
}

/** A camera as the API shows it: the actor's snapshot merged with its supervision state. */
export interface CameraView extends CameraSnapshot {
  /** Who holds the camera open (jobs, preview streams). */
  holders: string[];
  /** When the pending restart fires, ms since the epoch. */
  nextRestartAt: number | null;
}

type Persisted = Pick<CameraSnapshot, "restarts" | "stalls" | "lastError" | "spec"> & {
  /** Parked by the supervisor: shown as failed even after it was let go. */
  failed?: boolean;
};

/** All cameras of the process. */
export class CameraSystem {
  readonly supervisor: Supervisor<CameraActor>;
  #registry: ActorRegistry<CameraActor>;
  #opts: CameraSystemOptions;
  #clock: Clock;
  #specs = new Map<string, SourceSpec>();
  #persisted = new Map<string, Persisted>();
  #seenRestarts = new Map<string, number>();
  #saving = new Set<Promise<void>>();
  #chains = new Map<string, Promise<void>>();
  /** The failure each camera last printed, so that the console shows one line per failure. */
  #announced = new Map<string, string>();

  constructor(opts: CameraSystemOptions) {
    this.#opts = opts;
    this.#clock = opts.clock ?? systemClock;
    this.supervisor = new Supervisor({ clock: this.#clock, random: opts.random });
    this.#registry = new ActorRegistry({
      supervisor: this.supervisor,
      clock: this.#clock,
      idleTimeoutMs: opts.idleTimeoutMs ?? 60_000,
      specFor: (id) => this.#childSpec(id),
    });
    this.supervisor.onChange((s) => this.#onChildChange(s));
  }

  /**
   * The id of the camera that captures `spec`, known from now on. A camera's spec never changes:
   * another capture (source, size or fps) is another camera.
   */
  register(spec: SourceSpec): string {
    const id = cameraIdFor(spec);
    if (!this.#specs.has(id)) this.#specs.set(id, spec);
    return id;
  }

  /** Who holds a camera open now. */
  holders(id: string): string[] {
    return this.#registry.holders(id);
  }

  /** Starts (if needed) and holds a camera for `holder`; false when no spec exists for it. */
  hold(id: string, holder: string): Promise<boolean> {
    return this.#registry.activate(id, holder);
  }

  /** Releases a holder; the camera stops when none is left. */
  release(id: string, holder: string): Promise<void> {
    return this.#registry.release(id, holder);
  }

  /** Stops a camera whatever holds it (a deleted source); its counters are forgotten. */
  async remove(id: string): Promise<void> {
    await this.#registry.passivate(id);
    this.#specs.delete(id);
    this.#persisted.delete(id);
    await this.#opts.store.delete(`camera/${keySegment(id)}`);
  }

  /** Wakes a camera on demand (idle-passivated later) and returns whether it could. */
  wake(id: string): Promise<boolean> {
    return this.#registry.activate(id);
  }

  /** The newest frame of a camera, waiting up to `timeoutMs` for a first or fresher one. */
  async frame(id: string, opts: { maxAgeMs?: number; timeoutMs?: number } = {}): Promise<
    Frame | undefined
  > {
    const cam = this.supervisor.instance(id);
    if (!cam) return undefined;
    this.#registry.touch(id);
    const latest = cam.latestFrame();
    const maxAge = opts.maxAgeMs ?? Infinity;
    if (latest && this.#clock.now() - latest.time <= maxAge) return latest;
    return await cam.nextFrame(latest?.seq ?? 0, opts.timeoutMs ?? 5_000);
  }

  /** The newest frame a running camera has now, without waiting; undefined when none. */
  latest(id: string): Frame | undefined {
    return this.supervisor.instance(id)?.latestFrame();
  }

  /** The first frame newer than `afterSeq`, waiting up to `timeoutMs`; undefined when none came. */
  async nextFrame(id: string, afterSeq: number, timeoutMs: number): Promise<Frame | undefined> {
    const cam = this.supervisor.instance(id);
    if (!cam) return undefined;
    this.#registry.touch(id);
    const latest = cam.latestFrame();
    // Sequence numbers restart with each camera instance: a lower one is a newer capture.
    if (latest && latest.seq !== afterSeq) return latest;
    return await cam.nextFrame(afterSeq, timeoutMs);
  }

  /** Snapshot of one camera merged with supervision, or undefined when never seen. */
  view(id: string): CameraView | undefined {
    const status = this.supervisor.status(id);
    const cam = this.supervisor.instance(id);
    const persisted = this.#persisted.get(id);
    if (!status && !persisted) return undefined;
    const base: CameraSnapshot = cam?.snapshot() ?? {
      status: persisted?.failed ? "failed" : "stopped",
      id,
      spec: persisted?.spec ?? this.#specs.get(id) ?? { source: "" },
      kind: "",
      width: null,
      height: null,
      targetFps: 0,
      fps: 0,
      lastFrameTime: null,
      frames: 0,
      droppedFrames: 0,
      restarts: persisted?.restarts ?? 0,
      stalls: persisted?.stalls ?? 0,
      lastError: persisted?.lastError ?? null,
      startedAt: 0,
    };
    return {
      ...base,
      status: mergeStatus(base.status, status),
      restarts: Math.max(base.restarts, persisted?.restarts ?? 0),
      lastError: status?.lastError ?? base.lastError,
      holders: this.#registry.holders(id),
      nextRestartAt: status?.nextRestartAt ?? null,
    };
  }

  /** Views of every camera known in this process. */
  views(): CameraView[] {
    const ids = new Set([...this.supervisor.ids(), ...this.#persisted.keys()]);
    return [...ids].sort().map((id) => this.view(id)!).filter(Boolean);
  }

  /** Stops every camera, newest first. */
  async stopAll(): Promise<void> {
    await this.supervisor.stopAll();
    await Promise.all([...this.#saving]);
  }

  async #childSpec(id: string) {
    const previous = this.#persisted.get(id) ?? (await this.#load(id));
    // After a restart only the id may be known (a snapshot request): the persisted spec is its capture.
    const spec = this.#specs.get(id) ??
      (previous?.spec && cameraIdFor(previous.spec) === id ? previous.spec : undefined);
    if (!spec) return undefined;
    return {
      id,
      kind: "permanent" as const,
      create: () => {
        const p = this.#persisted.get(id) ?? previous;
        const cam = new CameraActor(id, spec, {
          createSource: this.#opts.createSource,
          clock: this.#clock,
          previous: p,
          minStallMs: this.#opts.minStallMs,
        });
        cam.subscribe((s) => this.#remember(id, s));
        return cam;
      },
    };
  }

  async #load(id: string): Promise<Persisted | undefined> {
    const p = await this.#opts.store.load<Persisted>(`camera/${keySegment(id)}`).catch((err) => {
      console.error(`camera ${id}: ignoring unreadable snapshot: ${err.message}`);
      return undefined;
    });
    if (p) this.#persisted.set(id, p);
    return p;
  }

  #remember(id: string, s: CameraSnapshot): void {
    if (s.status === "live") this.#announced.delete(id);
    const prev = this.#persisted.get(id);
    const next: Persisted = {
      restarts: s.restarts,
      stalls: s.stalls,
      lastError: s.lastError,
      spec: s.spec,
    };
    this.#persisted.set(id, next);
    if (
      !prev || prev.restarts !== next.restarts || prev.stalls !== next.stalls ||
      prev.lastError !== next.lastError || !sameCapture(prev.spec, next.spec)
    ) {
      void this.#save(id, next);
    }
  }

  /** One console line when a camera fails with a new reason (not one per retry). */
  #announce(s: ChildStatus): void {
    if (!s.lastError || (s.state !== "restarting" && s.state !== "failed")) return;
    // ffmpeg's "[tcp @ 0x55…] " prefixes differ on every try: without them a retry that fails
    // the same way prints nothing new.
    const why = s.lastError.replace(/\[[\w -]+ @ 0x[0-9a-f]+\]\s*/g, "");
    const line = s.state === "failed" ? `failed (gave up): ${why}` : why;
    if (this.#announced.get(s.id) === line) return;
    this.#announced.set(s.id, line);
    const spec = this.#specs.get(s.id) ?? this.#persisted.get(s.id)?.spec;
    const what = spec ? ` (${redactUrl(spec.source)})` : "";
    console.warn(`camera ${s.id}${what} ${s.state === "failed" ? "" : "not open: "}${line}`);
  }

  #onChildChange(s: ChildStatus): void {
    this.#announce(s);
    const p = this.#persisted.get(s.id);
    if (!p) return;
    if (s.state === "failed" || (s.state === "running" && p.failed)) {
      const next = { ...p, failed: s.state === "failed", lastError: s.lastError ?? p.lastError };
      this.#persisted.set(s.id, next);
      void this.#save(s.id, next);
      return;
    }
    // The supervisor counts restarts per activation; the snapshot carries the lifetime total.
    const seen = this.#seenRestarts.get(s.id) ?? 0;
    const delta = s.restarts >= seen ? s.restarts - seen : s.restarts;
    this.#seenRestarts.set(s.id, s.restarts);
    if (delta > 0 || (s.lastError !== undefined && s.lastError !== p.lastError)) {
      const next = { ...p, restarts: p.restarts + delta, lastError: s.lastError ?? p.lastError };
      this.#persisted.set(s.id, next);
      void this.#save(s.id, next);
    }
  }

  /** Saves in order per camera (the newest write lands last); failures are logged, not thrown. */
  #save(id: string, p: Persisted): Promise<void> {
    const prev = this.#chains.get(id) ?? Promise.resolve();
    const work = prev.then(() => this.#opts.store.save(`camera/${keySegment(id)}`, p)).catch(
      (err) => {
        console.error(`camera ${id}: snapshot not saved: ${(err as Error).message}`);
      },
    );
    this.#chains.set(id, work);
    this.#saving.add(work);
    work.finally(() => this.#saving.delete(work));
    return work;
  }
}

function mergeStatus(actor: CameraStatus, sup: ChildStatus | undefined): CameraStatus {
  if (!sup) return actor === "failed" ? "failed" : "stopped";
  if (sup.state === "failed") return "failed";
  if (sup.state === "restarting") return "restarting";
  if (sup.state === "stopped") return "stopped";
  return actor;
}
