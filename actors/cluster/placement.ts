/**
 * Placement by lease: every 2 s a node renews the leases of the jobs it runs (a lost one stops its
 * job here at once), takes unowned jobs while it has capacity (a few per turn, in random order, so
 * nodes that look at the same moment share them), and announces itself in the node registry (what
 * it owns, its load). Work stays where it is: nothing moves while its node renews. A job is the
 * unit (its camera follows it); its lease key is `job.<cam_id>`.
 */
import type { KV } from "@nats-io/kv";
import { encodeToken } from "../state/kv_backend.ts";
import type { JobConfig } from "../state/job_spec.ts";
import { jobLoad, type JobPlacement } from "../jobs/job_system.ts";
import type { LeaseTable } from "./leases.ts";
import type { Calibration } from "./calibrate.ts";

/** What the placement starts and stops. */
export interface PlacedJobs {
  /** Starts a job from its stored spec on this node. */
  adopt(camId: string): Promise<void>;
  /** Stops a job on this node and keeps its spec (another node takes it). */
  release(camId: string): Promise<void>;
}

/** A node as the registry shows it. */
export interface NodeRecord {
  id: string;
  url: string;
  /** ROI reads/s it takes on. */
  capacity: number;
  /** How `capacity` was measured at start (null: configured with `--capacity`). */
  calibration?: Calibration | null;
  /** ROI reads/s of the jobs it owns. */
  load: number;
  /** cam_ids of the jobs it owns. */
  owns: string[];
  /** Jobs whose results it held back after losing their lease (fencing). */
  fenced: number;
  started: number;
  at: number;
}

/** What the placement is built with. */
export interface PlacementOptions {
  nodeId: string;
  /** ROI reads/s this node takes on. */
  capacity: number;
  /** How the capacity was measured [configured]. */
  calibration?: Calibration;
  leases: LeaseTable;
  /** The node registry (entries expire like leases). */
  nodes: KV;
  /** Every job spec of the cluster. */
  specs: () => Promise<JobConfig[]>;
  jobs: PlacedJobs;
  /** Results held back so far (the result bus's `fenced`). */
  fenced?: () => number;
  /** Milliseconds between turns [2000]. */
  tickMs?: number;
  /** Jobs taken per turn at least [2]; more when many wait (their share per live node). */
  takePerTick?: number;
  /** How many nodes are up now (the registry) [1]. */
  liveNodes?: () => number;
  log?: (line: string) => void;
}

/** The lease key of a job. */
export function jobLeaseKey(camId: string): string {
  return `job.${encodeToken(camId)}`;
}

/** One node's placement. */
export class Placement implements JobPlacement {
  #o: PlacementOptions;
  #load = new Map<string, number>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #turn: Promise<void> = Promise.resolve();
  #stopped = false;
  #started = Date.now();
  /** The cluster's jobs that run elsewhere (or nowhere yet), as of the last turn. */
  #elsewhere = new Map<string, { spec: JobConfig; owner: string }>();
  #owners: ReadonlyMap<string, string> = new Map();
  /** This node's id. */
  readonly nodeId: string;
  /** This node's HTTP address, once it listens. */
  url = "";

  constructor(opts: PlacementOptions) {
    this.#o = opts;
    this.nodeId = opts.nodeId;
  }

  /** cam_ids this node owns now. */
  owned(): string[] {
    return [...this.#load.keys()].sort();
  }

  /** ROI reads/s of the jobs owned here. */
  load(): number {
    return [...this.#load.values()].reduce((a, b) => a + b, 0);
  }

  /** True while this node's lease on the job is fresh (the result bus's gate). */
  mayPublish(camId: string): boolean {
    return this.#o.leases.holds(jobLeaseKey(camId));
  }

  /** How long this node has owned the job of `camId` without a break, ms (0: not now). */
  ownedForMs(camId: string): number {
    return this.#o.leases.heldForMs(jobLeaseKey(camId));
  }

  /** Takes a job for a start request here: true when it runs here (free and room, or owned). */
  async claim(camId: string, load: number): Promise<boolean> {
    if (this.#stopped) return false;
    const key = jobLeaseKey(camId);
    if (!this.#load.has(camId) && this.#load.size > 0 && this.load() + load > this.#o.capacity) {
      return false;
    }
    if (!(await this.#o.leases.acquire(key))) return false;
    this.#load.set(camId, load);
    return true;
  }

  /** Gives a stopped job's lease back. */
  async release(camId: string): Promise<void> {
    this.#load.delete(camId);
    await this.#o.leases.release(jobLeaseKey(camId));
  }

  /** Runs the first turn now and then every `tickMs`. */
  start(): void {
    const loop = () => {
      if (this.#stopped) return;
      this.#turn = this.tick().catch((err) =>
        this.#log(`cluster: placement turn failed: ${(err as Error).message}`)
      ).finally(() => {
        if (!this.#stopped) this.#timer = setTimeout(loop, this.#o.tickMs ?? 2_000);
      });
    };
    loop();
  }

  /**
   * Hands every job back: stops them here first, then releases their leases (so no two nodes run
   * a job at once), then leaves the registry.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#turn;
    for (const camId of this.owned()) {
      await this.#o.jobs.release(camId).catch((err) =>
        this.#log(`cluster: job ${camId} not stopped: ${(err as Error).message}`)
      );
      await this.release(camId).catch((err) =>
        this.#log(`cluster: lease of ${camId} not released: ${(err as Error).message}`)
      );
    }
    await this.#o.nodes.delete(encodeToken(this.#o.nodeId)).catch(() => undefined);
  }

  /** The owner of each job's lease (lease key → node) as of the last turn. */
  owners(): ReadonlyMap<string, string> {
    return this.#owners;
  }

  /** This node's registry record now. */
  record(): NodeRecord {
    return {
      id: this.#o.nodeId,
      url: this.url,
      capacity: this.#o.capacity,
      calibration: this.#o.calibration ?? null,
      load: Math.round(this.load() * 100) / 100,
      owns: this.owned(),
      fenced: this.#o.fenced?.() ?? 0,
      started: this.#started,
      at: Date.now(),
    };
  }

  /** Jobs of the cluster not owned here, with their spec and owner ("" while none), last turn's view. */
  elsewhere(): ReadonlyMap<string, { spec: JobConfig; owner: string }> {
    return this.#elsewhere;
  }

  /** One turn: renew, take, announce, look at the others. */
  async tick(): Promise<void> {
    await this.#renew();
    const specs = await this.#o.specs();
    const owners = await this.#o.leases.owners(specs.map((s) => jobLeaseKey(s.camId)));
    this.#owners = owners;
    await this.#take(specs, owners);
    await this.#announce();
    this.#elsewhere = new Map(
      specs.filter((s) => !this.#load.has(s.camId)).map((spec) => [
        spec.camId,
        { spec, owner: owners.get(jobLeaseKey(spec.camId)) ?? "" },
      ]),
    );
  }

  async #renew(): Promise<void> {
    for (const camId of this.owned()) {
      if (this.#stopped) return;
      if (await this.#o.leases.renew(jobLeaseKey(camId))) continue;
      this.#log(`cluster: lease of job ${camId} lost; stopping it here`);
      this.#load.delete(camId);
      await this.#o.jobs.release(camId);
    }
  }

  async #take(all: JobConfig[], owners: Map<string, string>): Promise<void> {
    // Jobs no node holds (a lapsed lease is gone from the bucket).
    const specs = all.filter((s) => !this.#load.has(s.camId) && !owners.has(jobLeaseKey(s.camId)));
    shuffle(specs);
    // Each live node takes its share per turn (at least `takePerTick`), so a dead node's work
    // spreads over the others and still moves in one or two turns.
    const share = Math.ceil(specs.length / Math.max(1, this.#o.liveNodes?.() ?? 1));
    const quota = Math.max(this.#o.takePerTick ?? 2, share);
    let taken = 0;
    for (const spec of specs) {
      if (this.#stopped || taken >= quota) return;
      const load = jobLoad(spec);
      // An idle node takes one job even beyond its capacity: else it could run nowhere.
      if (this.#load.size > 0 && this.load() + load > this.#o.capacity) continue;
      if (!(await this.#o.leases.acquire(jobLeaseKey(spec.camId)))) continue;
      this.#load.set(spec.camId, load);
      taken++;
      this.#log(`cluster: took job ${spec.camId}`);
      await this.#o.jobs.adopt(spec.camId).catch((err) =>
        this.#log(`cluster: job ${spec.camId} not started: ${(err as Error).message}`)
      );
    }
  }

  async #announce(): Promise<void> {
    await this.#o.nodes.put(encodeToken(this.#o.nodeId), JSON.stringify(this.record()));
  }

  #log(line: string): void {
    (this.#o.log ?? ((l) => console.error(l)))(line);
  }
}

function shuffle<T>(items: T[]): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
}
