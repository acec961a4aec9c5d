/**
 * Inference jobs under one supervisor, one per cam_id, and their reconciler. A job's desired state
 * lives in the desired-state store (`.actors/job/<cam_id>.json`); it names its source and follows
 * the source's saved ROI set by name (or carries its own inline ROIs). The system watches the
 * store's change feed and makes the actors match it: saved ROIs reach the running job at once, a
 * renamed source carries its jobs along, a deleted one stops them (`stopped: source deleted`), and a
 * crashed job is rebuilt from the desired state as it is now, never from the config it started with.
 */
import {
  type FrameReader,
  InferenceJobActor,
  type JobConfig,
  type JobRoi,
  type JobSnapshot,
  type PageDetector,
  type ResultJudge,
} from "./inference_job_actor.ts";
import type { CameraSystem } from "../cameras/camera_system.ts";
import type { Change, DesiredState } from "../state/desired_state.ts";
import type { ResultBus } from "./result_bus.ts";
import type { CamSettings, StreamSessions } from "../cameras/stream_sessions.ts";
import { type Clock, Supervisor, systemClock } from "../runtime/mod.ts";
import { ReadScheduler } from "./read_scheduler.ts";

/** A start request after validation; `undefined` fields were absent from the body. */
export interface StartRequest {
  settings?: CamSettings;
  rois?: JobRoi[];
  group?: string | null;
  interval?: number | null;
  resultTimeout?: number | null;
  drawPageBoxes?: boolean | null;
  /** The job's default `skip_unchanged` for ROIs that do not set it; null: off. */
  skipUnchanged?: boolean | null;
}

/** VisionROI's answer words for job control. */
export interface JobAnswer {
  status: "started" | "already_running" | "roi_running" | "stopped" | "no_task" | "error";
  cam_id: string;
  message?: string;
}

/** VisionROI's `stream_health` object. */
export interface StreamHealth {
  state: "starting" | "active" | "outage" | "stopped" | "unknown";
  updated_at: number;
  last_frame_time?: number;
  camera_status?: string;
  last_error?: string | null;
}

/**
 * Where jobs run in cluster mode (`actors/cluster/placement.ts`): each job is leased to one node.
 * Without it every job runs here.
 */
export interface JobPlacement {
  /** This node's id. */
  readonly nodeId: string;
  /** Takes (or keeps) a job for this node; false when another node owns it or this one is full. */
  claim(camId: string, load: number): Promise<boolean>;
  /** Gives the lease of a job stopped here back. */
  release(camId: string): Promise<void>;
  /** The cluster's jobs that run on other nodes (or wait for one): spec and owner ("" for none). */
  elsewhere(): ReadonlyMap<string, { spec: JobConfig; owner: string }>;
}

/** What the job system is built with. */
export interface JobSystemOptions {
  cameras: CameraSystem;
  sessions: StreamSessions;
  bus: ResultBus;
  reader: FrameReader;
  /** The desired state: job specs and the sources' ROI sets. */
  state: DesiredState;
  detectPage?: PageDetector;
  /** The plausibility stage every job runs its results through before publishing. */
  judge?: ResultJudge;
  clock?: Clock;
  /** How long a new job waits for its camera's first frame or first error, ms [3000]. */
  openWaitMs?: number;
  /** Cluster mode: jobs run where their lease is (none: every job runs here). */
  placement?: JobPlacement;
  /** Reads that may run at once (the pool's workers): live frames are admitted up to it [2]. */
  readCapacity?: number | (() => number);
}

/** All inference jobs. */
export class JobSystem {
  readonly supervisor: Supervisor<InferenceJobActor>;
  /** Fair, late-binding admission of every job's frames into the pool. */
  readonly scheduler: ReadScheduler;
  #o: JobSystemOptions;
  #clock: Clock;
  /** The desired config of every job that should run, as resolved now (ROIs of its source). */
  #desired = new Map<string, JobConfig>();
  /** Jobs the system stopped by itself, and why (`source deleted`). */
  #stopped = new Map<string, string>();

  constructor(opts: JobSystemOptions) {
    this.#o = opts;
    this.#clock = opts.clock ?? systemClock;
    this.supervisor = new Supervisor({ clock: this.#clock });
    this.scheduler = new ReadScheduler(opts.readCapacity ?? 2);
    opts.state.subscribe((change) => this.#onChange(change));
  }

  /**
   * Starts or reconfigures the job of a cam_id. A new job waits for its camera's first frame or
   * first error and is removed again with `open_failed: <reason>` when the camera fails, unless
   * `keepOnOpenFailure` (restored and renamed jobs wait for their camera instead).
   */
  async start(
    camId: string,
    req: StartRequest,
    opts: { keepOnOpenFailure?: boolean } = {},
  ): Promise<JobAnswer> {
    if (this.#o.sessions.previewRunning(camId)) return { status: "roi_running", cam_id: camId };
    const running = this.#instance(camId);
    if (this.#o.placement && !running && !(await this.#claim(camId, req))) {
      return await this.#handOff(camId, req);
    }
    const prev = this.#desired.get(camId) ?? (await this.#o.state.job(camId));
    const entry = this.#o.sessions.entry(camId);
    const interval = pick(req.interval, prev?.interval, 1.0, (v) => Math.max(0, v));
    const resultTimeout = pick(
      req.resultTimeout,
      prev?.resultTimeout,
      10.0,
      (v) => Math.max(0.1, v),
    );
    const group = req.group !== undefined ? req.group : (prev?.group ?? null);
    const drawPageBoxes = req.drawPageBoxes ?? prev?.drawPageBoxes ?? true;
    const skipUnchanged = req.skipUnchanged === null
      ? false
      : (req.skipUnchanged ?? prev?.skipUnchanged ?? false);
    const bound = await this.#o.sessions.bind(camId, req.settings, {
      inference_running: true,
      inference_group: group,
      interval,
      result_timeout: resultTimeout,
      draw_page_boxes: drawPageBoxes,
    });
    if ("error" in bound) {
      if (!running) await this.#o.sessions.patch(camId, { inference_running: false });
      return { status: "error", cam_id: camId, message: "open_failed" };
    }
    const source = this.#o.sessions.entry(camId)?.active_source || entry?.active_source || "";
    // Inline ROIs are the job's own; without them a job follows its source's saved set by name.
    const inlineRois = req.rois !== undefined || !source;
    const rois = req.rois ??
      (source ? await this.#o.state.rois(source) : (prev && isInline(prev) ? prev.rois : []));
    const config: JobConfig = {
      camId,
      cameraId: bound.cameraId,
      source,
      rois,
      inlineRois,
      group,
      interval,
      resultTimeout,
      drawPageBoxes,
      ...(skipUnchanged ? { skipUnchanged } : {}),
    };
    this.#stopped.delete(camId);
    this.#desired.set(camId, config);
    await this.#o.state.putJob(config);
    const answer = await this.#reconcile(camId);
    if (answer === "reconfigured") return { status: "already_running", cam_id: camId };
    const failure = opts.keepOnOpenFailure
      ? undefined
      : await this.#awaitOpen(camId, config.cameraId);
    if (failure) {
      await this.#remove(camId);
      return { status: "error", cam_id: camId, message: `open_failed: ${failure}` };
    }
    return { status: running ? "already_running" : "started", cam_id: camId };
  }

  /**
   * Stops a job; its sockets close with the reason `stopped`. Throws when the stopped state cannot
   * be saved (a full disk): the job is stopped, but would start again after a restart.
   */
  async stop(camId: string): Promise<JobAnswer> {
    const known = this.supervisor.status(`job:${camId}`);
    if (!known && this.#o.placement && (await this.#o.state.job(camId))) {
      // Another node runs it: removing the spec stops it there (its reconciler follows the feed).
      await this.#o.state.deleteJob(camId);
      this.#o.bus.close(camId, "stopped");
      return { status: "stopped", cam_id: camId };
    }
    if (!known) {
      this.#stopped.delete(camId); // a job stopped with a reason is forgotten once stopped again
      // A stop whose save failed is retried by the next stop, which must not answer `no_task` then.
      await this.#o.sessions.saveIfStale();
      return { status: "no_task", cam_id: camId };
    }
    await this.#remove(camId);
    this.#stopped.delete(camId);
    return { status: "stopped", cam_id: camId };
  }

  /**
   * Cluster mode: starts a job this node just took the lease of, from its stored spec (the same
   * config the last owner ran).
   */
  async adopt(camId: string): Promise<JobAnswer> {
    const saved = await this.#o.state.job(camId);
    if (!saved) return { status: "no_task", cam_id: camId };
    return await this.start(camId, {
      settings: saved.source ? { name: saved.source } : undefined,
      rois: isInline(saved) ? saved.rois : undefined,
      group: saved.group,
      interval: saved.interval,
      resultTimeout: saved.resultTimeout,
      drawPageBoxes: saved.drawPageBoxes,
    }, { keepOnOpenFailure: true });
  }

  /**
   * Cluster mode: stops a job here and keeps its spec (its lease was lost, or this node hands it
   * back); subscribers stay, as results go on from the job's next node.
   */
  async release(camId: string): Promise<void> {
    this.#desired.delete(camId);
    if (this.supervisor.status(`job:${camId}`)) await this.supervisor.stopChild(`job:${camId}`);
    await this.#o.sessions.patch(camId, { inference_running: false });
  }

  /** Starts every job `service_state.json` says was running, from its stored spec. */
  async restore(): Promise<string[]> {
    const started: string[] = [];
    for (const [camId, entry] of this.#o.sessions.entries()) {
      if (!entry.inference_running || this.#instance(camId)) continue;
      const saved = await this.#o.state.job(camId);
      const answer = await this.start(camId, {
        rois: saved && isInline(saved) ? saved.rois : undefined,
        group: saved?.group ?? entry.inference_group,
        interval: saved?.interval ?? entry.interval,
        resultTimeout: saved?.resultTimeout ?? entry.result_timeout,
        drawPageBoxes: saved?.drawPageBoxes ?? entry.draw_page_boxes,
        skipUnchanged: saved?.skipUnchanged,
      }, { keepOnOpenFailure: true });
      if (answer.status === "started") started.push(camId);
      else console.error(`job ${camId} not restored: ${answer.status} ${answer.message ?? ""}`);
    }
    return started;
  }

  /** The snapshot of a job, if one runs. */
  snapshot(camId: string): JobSnapshot | undefined {
    return this.#instance(camId)?.snapshot();
  }

  /** The desired config of a job that should run (what it reads now, or from its next tick). */
  config(camId: string): JobConfig | undefined {
    return this.#desired.get(camId);
  }

  /**
   * cam_ids of every job the supervisor knows, and of jobs stopped with a reason; in cluster mode
   * also the jobs other nodes run.
   */
  camIds(): string[] {
    const ids = this.supervisor.ids().map((id) => id.slice("job:".length));
    const remote = this.#o.placement?.elsewhere().keys() ?? [];
    return [...new Set([...ids, ...this.#stopped.keys(), ...remote])];
  }

  /**
   * A job's state in words, from the actors' snapshots: `running`, `waiting_for_camera: <reason>`,
   * `no_rois`, `failed: <reason>`, `stopped: <reason>`, or `starting`; undefined for no job.
   */
  state(camId: string): string | undefined {
    const stopped = this.#stopped.get(camId);
    if (stopped !== undefined) return `stopped: ${stopped}`;
    const st = this.supervisor.status(`job:${camId}`);
    if (!st) return undefined;
    if (st.state === "failed") return `failed: ${st.lastError ?? "unknown error"}`;
    if (st.state === "restarting") return `failed: ${st.lastError ?? "restarting"} (restarting)`;
    if (st.state === "stopped") return "stopped: stopped";
    const job = this.snapshot(camId);
    if (!job) return "starting";
    if (job.status === "waiting_for_camera") {
      return `waiting_for_camera: ${job.reason ?? "no frame yet"}`;
    }
    if (job.status === "stopped" || job.status === "failed") {
      return `${job.status}: ${job.reason ?? ""}`;
    }
    return job.status;
  }

  /**
   * VisionROI's `/inference_status` answer, with `state` (see {@linkcode JobSystem.state}); in
   * cluster mode `node` names the node that runs it (a job on another node: `state` is `running`
   * or `waiting_for_node`, and `job`/`supervision` are null here).
   */
  status(camId: string) {
    const st = this.supervisor.status(`job:${camId}`);
    const remote = st ? undefined : this.#o.placement?.elsewhere().get(camId);
    if (remote) {
      return {
        running: remote.owner !== "",
        cam_id: camId,
        source: remote.spec.source,
        group: remote.spec.group ?? "",
        stream_health: { state: "unknown", updated_at: this.#clock.now() / 1000 } as StreamHealth,
        state: remote.owner ? "running" : "waiting_for_node",
        job: null,
        supervision: null,
        node: remote.owner,
      };
    }
    const job = this.snapshot(camId);
    const entry = this.#o.sessions.entry(camId);
    return {
      running: st !== undefined && st.state !== "failed" && st.state !== "stopped",
      cam_id: camId,
      source: entry?.active_source ?? "",
      group: job?.group ?? entry?.inference_group ?? "",
      stream_health: this.#health(camId),
      state: this.state(camId) ?? "stopped: not started",
      job: job ?? null,
      supervision: st ?? null,
      ...(this.#o.placement ? { node: this.#o.placement.nodeId } : {}),
    };
  }

  /** Stops every job, newest first. */
  async stopAll(): Promise<void> {
    await this.supervisor.stopAll();
  }

  /** The reconciler: a change of the desired state reaches the jobs it concerns. */
  async #onChange(change: Change): Promise<void> {
    if (change.kind === "job" && change.remote) {
      // Another node changed a job: the node running it applies the spec, a stop ends it everywhere.
      if (change.op === "delete") {
        if (this.#desired.has(change.name)) {
          await this.release(change.name);
          await this.#o.placement?.release(change.name);
        }
        this.#o.bus.close(change.name, "stopped");
      } else if (this.#desired.has(change.name)) await this.adopt(change.name);
      return;
    }
    if (change.kind === "rois") {
      for (const [camId, cfg] of this.#desired) {
        if (cfg.inlineRois || cfg.source !== change.name) continue;
        this.#desired.set(camId, { ...cfg, rois: await this.#o.state.rois(change.name) });
        await this.#reconcile(camId);
      }
    } else if (change.kind === "source" && change.op === "rename") {
      for (const [camId, cfg] of [...this.#desired]) {
        if (cfg.source !== change.name) continue;
        // Bind the cam_id to the new name, then rebuild the job on it (same ROIs, by the new name).
        const answer = await this.start(camId, {
          settings: { name: change.to },
          rois: cfg.inlineRois ? cfg.rois : undefined,
        }, { keepOnOpenFailure: true });
        if (answer.status === "error") {
          console.error(
            `job ${camId} did not follow ${change.name} → ${change.to}: ${answer.message}`,
          );
        }
      }
    } else if (change.kind === "source" && change.op === "delete") {
      for (const [camId, cfg] of [...this.#desired]) {
        if (cfg.source !== change.name) continue;
        this.#stopped.set(camId, "source deleted");
        await this.#remove(camId, "source deleted");
      }
    } else if (change.kind === "source" && change.op === "put") {
      // A changed source config may name another ROI file.
      for (const [camId, cfg] of this.#desired) {
        if (cfg.inlineRois || cfg.source !== change.name) continue;
        this.#desired.set(camId, { ...cfg, rois: await this.#o.state.rois(change.name) });
        await this.#reconcile(camId);
      }
    }
  }

  /**
   * Makes the actor of a cam_id match its desired config: reconfigures it when it runs on the same
   * camera, else (re)starts it. The supervisor's `create` reads the desired config when it is
   * called, so a crash restart gets what is desired then.
   */
  async #reconcile(camId: string): Promise<"reconfigured" | "launched" | "none"> {
    const config = this.#desired.get(camId);
    if (!config) return "none";
    const running = this.#instance(camId);
    if (running && !running.ended && running.config().cameraId === config.cameraId) {
      await running.send({ type: "reconfigure", config });
      return "reconfigured";
    }
    const id = `job:${camId}`;
    // A crashed job waiting for its restart is rebuilt from the desired state when that fires.
    if (!running && this.supervisor.status(id)?.state === "restarting") return "launched";
    await this.supervisor.startChild({
      id,
      kind: "permanent",
      create: () => {
        const now = this.#desired.get(camId);
        if (!now) throw new Error(`job ${camId} is no longer desired`);
        return new InferenceJobActor(now, {
          ...this.#o,
          scheduler: this.scheduler,
          clock: this.#clock,
        });
      },
    });
    return "launched";
  }

  /** Stops and forgets a job (desired state, actor, session flag); its sockets close with `reason`. */
  async #remove(camId: string, reason = "stopped"): Promise<void> {
    this.#desired.delete(camId);
    if (this.supervisor.status(`job:${camId}`)) await this.supervisor.stopChild(`job:${camId}`);
    this.#o.bus.close(camId, reason);
    // service_state.json first: it decides what runs after a restart, and removing the job's
    // config could free the very space its write then takes.
    await this.#o.sessions.patch(camId, { inference_running: false });
    await this.#o.state.deleteJob(camId);
    await this.#o.placement?.release(camId);
  }

  /** Cluster mode: takes the lease of a job asked to start here, sized by its ROIs and interval. */
  async #claim(camId: string, req: StartRequest): Promise<boolean> {
    const prev = await this.#o.state.job(camId);
    const source = req.settings?.name ?? prev?.source;
    const rois = req.rois ?? (source ? await this.#o.state.rois(source) : prev?.rois ?? []);
    const interval = pick(req.interval, prev?.interval, 1.0, (v) => Math.max(0, v));
    return await this.#o.placement!.claim(camId, jobLoad({ rois, interval }));
  }

  /**
   * Cluster mode: a start for a job this node does not take (another node owns it, or this one is
   * full) only stores the spec; the owner applies it, or a node with room takes the job.
   */
  async #handOff(camId: string, req: StartRequest): Promise<JobAnswer> {
    const prev = await this.#o.state.job(camId);
    const source = req.settings?.name ?? prev?.source ?? "";
    if (!source) {
      return {
        status: "error",
        cam_id: camId,
        message: "cluster mode: a job on another node needs a saved source (settings.name)",
      };
    }
    const inlineRois = req.rois !== undefined || (prev ? isInline(prev) : false);
    await this.#o.state.putJob({
      camId,
      cameraId: prev?.cameraId ?? source,
      source,
      rois: req.rois ?? (inlineRois ? prev?.rois ?? [] : await this.#o.state.rois(source)),
      inlineRois,
      group: req.group !== undefined ? req.group : (prev?.group ?? null),
      interval: pick(req.interval, prev?.interval, 1.0, (v) => Math.max(0, v)),
      resultTimeout: pick(req.resultTimeout, prev?.resultTimeout, 10.0, (v) => Math.max(0.1, v)),
      drawPageBoxes: req.drawPageBoxes ?? prev?.drawPageBoxes ?? true,
    });
    return {
      status: prev ? "already_running" : "started",
      cam_id: camId,
      message: "placed by the cluster",
    };
  }

  /**
   * Waits up to `openWaitMs` for the job's camera to deliver a first frame or to fail; returns the
   * reason when it failed (the camera's last error), undefined when it opened or is still trying
   * (a slow stream is not refused: the job then says `waiting_for_camera`).
   */
  async #awaitOpen(camId: string, cameraId: string): Promise<string | undefined> {
    const deadline = this.#clock.now() + (this.#o.openWaitMs ?? 3_000);
    for (;;) {
      const st = this.supervisor.status(`job:${camId}`);
      const view = this.#o.cameras.view(cameraId);
      if (view?.lastFrameTime || this.snapshot(camId)?.status === "running") return undefined;
      // A camera that failed, or is being restarted after an error before any frame, did not open.
      if (view && (view.status === "failed" || view.status === "restarting")) {
        return view.lastError ?? `camera ${view.status}`;
      }
      if (st?.state === "failed") return st.lastError ?? "job failed";
      if (this.#clock.now() >= deadline) return undefined;
      await new Promise((r) => this.#clock.setTimeout(() => r(undefined), 50));
    }
  }

  #health(camId: string): StreamHealth {
    const cameraId = this.#desired.get(camId)?.cameraId ?? this.#o.sessions.cameraOf(camId);
    const view = cameraId ? this.#o.cameras.view(cameraId) : undefined;
    const now = this.#clock.now() / 1000;
    if (!view) return { state: "unknown", updated_at: now };
    const state = view.status === "live"
      ? "active"
      : view.status === "starting"
      ? "starting"
      : view.status === "stopped"
      ? "stopped"
      : "outage";
    return {
      state,
      updated_at: now,
      last_frame_time: view.lastFrameTime ? view.lastFrameTime / 1000 : undefined,
      camera_status: view.status,
      last_error: view.lastError,
    };
  }

  #instance(camId: string): InferenceJobActor | undefined {
    return this.supervisor.instance(`job:${camId}`);
  }
}

/** ROI reads per second a job asks for (ROIs per interval; a job on every frame counts 10/s). */
export function jobLoad(cfg: { rois: JobRoi[]; interval: number }): number {
  const rois = cfg.rois.filter((r) => r.type === "roi").length;
  return Math.max(1, rois) / Math.max(cfg.interval, 0.1);
}

function isInline(cfg: JobConfig): boolean {
  // Specs written before `inlineRois` existed: a job with a source followed it.
  return cfg.inlineRois ?? !cfg.source;
}

function pick(
  value: number | null | undefined,
  previous: number | undefined,
  fallback: number,
  clamp: (v: number) => number,
): number {
  if (value === null) return fallback;
  if (value === undefined) return previous ?? fallback;
  return Number.isFinite(value) ? clamp(value) : fallback;
}
