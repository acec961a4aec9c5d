/**
 * Cluster mode of one node (`--nats`): connects to NATS, makes the desired state live in the KV
 * bucket `visionroi_state`, places jobs by lease (`visionroi_leases`, entries expire after 6 s),
 * announces the node (`visionroi_nodes`) and bridges results over subjects. Buckets are created
 * with `replicas` copies (R=3 on a 3-server cluster: one server may die).
 */
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { type KV, Kvm } from "@nats-io/kv";
import type { DesiredState } from "../state/desired_state.ts";
import { keepWatching, KvStateBackend, retryTransient } from "../state/kv_backend.ts";
import type { ResultBus } from "../jobs/result_bus.ts";
import type { JobConfig } from "../state/job_spec.ts";
import { LeaseTable } from "./leases.ts";
import { jobLeaseKey, type NodeRecord, type PlacedJobs, Placement } from "./placement.ts";
import { bridgeResults } from "./result_subjects.ts";
import type { Calibration } from "./calibrate.ts";

/** Lease time to live, ms: a dead node's work moves after at most this plus one turn. */
export const LEASE_TTL_MS = 6_000;
/** Milliseconds between placement turns (lease renewals). */
export const RENEW_MS = 2_000;

/** How to join. */
export interface ClusterOptions {
  servers: string[];
  nodeId: string;
  /** ROI reads/s this node takes on. */
  capacity: number;
  /** Copies of each bucket. */
  replicas: number;
  user?: string;
  pass?: string;
  token?: string;
}

/** What `/api/cluster` shows. */
export interface ClusterView {
  mode: "cluster";
  node_id: string;
  nodes: NodeRecord[];
  /** cam_id → owning node, for every job of the cluster ("" when no node owns it now). */
  jobs: Record<string, string>;
}

/** One node's membership. */
export class ClusterNode {
  readonly nodeId: string;
  readonly nc: NatsConnection;
  readonly backend: KvStateBackend;
  readonly leases: LeaseTable;
  readonly nodesKv: KV;
  #opts: ClusterOptions;
  #placement: Placement | undefined;
  #stopBridge: (() => void) | undefined;
  #nodes = new Map<string, { record: NodeRecord; seenAt: number }>();
  #stopWatches: (() => void)[] = [];
  #calibration: Calibration | undefined;

  private constructor(opts: ClusterOptions, nc: NatsConnection, kvs: KV[]) {
    this.#opts = opts;
    this.nodeId = opts.nodeId;
    this.nc = nc;
    this.backend = new KvStateBackend(kvs[0], opts.nodeId, { connection: nc });
    this.leases = new LeaseTable(kvs[1], { nodeId: opts.nodeId, ttlMs: LEASE_TTL_MS });
    this.nodesKv = kvs[2];
  }

  /** Connects and opens (or creates) the buckets. */
  static async connect(opts: ClusterOptions): Promise<ClusterNode> {
    const nc = await connect({
      servers: opts.servers,
      name: `visionroi-${opts.nodeId}`,
      user: opts.user,
      pass: opts.pass,
      token: opts.token,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
    });
    const kvm = new Kvm(nc);
    const replicas = opts.replicas;
    const kvs: KV[] = [];
    for (
      const [name, ttl] of [
        ["visionroi_state", 0],
        ["visionroi_leases", LEASE_TTL_MS],
        ["visionroi_nodes", LEASE_TTL_MS],
      ] as const
    ) {
      // A replicated bucket answers only once its stream has a leader: wait for a first read.
      const kv = await retryTransient(() => kvm.create(name, { history: 1, replicas, ttl }));
      await retryTransient(() => kv.get("probe"));
      kvs.push(kv);
    }
    const node = new ClusterNode(opts, nc, kvs);
    await node.#watch();
    return node;
  }

  async #watch(): Promise<void> {
    this.#stopWatches.push(
      await keepWatching(this.nc, () => this.nodesKv.watch({ key: ">" }), (e) => {
        if (e.operation === "PUT") {
          this.#nodes.set(e.key, { record: e.json<NodeRecord>(), seenAt: Date.now() });
        } else this.#nodes.delete(e.key);
      }, { idleMs: LEASE_TTL_MS }),
    );
  }

  /** Takes on a measured capacity (before {@linkcode startPlacement}). */
  calibrated(cal: Calibration): void {
    this.#opts.capacity = cal.capacity;
    this.#calibration = cal;
  }

  /** The placement (after {@linkcode startPlacement}). */
  get placement(): Placement {
    if (!this.#placement) throw new Error("placement not started");
    return this.#placement;
  }

  /** Creates the placement; its turns start with {@linkcode run}. */
  startPlacement(deps: { state: DesiredState; jobs: PlacedJobs; bus: ResultBus }): Placement {
    const { state, bus } = deps;
    this.#placement = new Placement({
      nodeId: this.nodeId,
      capacity: this.#opts.capacity,
      calibration: this.#calibration,
      leases: this.leases,
      nodes: this.nodesKv,
      jobs: deps.jobs,
      fenced: () => bus.fenced,
      liveNodes: () => this.view().nodes.length,
      tickMs: RENEW_MS,
      specs: async () => {
        const specs: JobConfig[] = [];
        for (const camId of this.backend.names("job")) {
          const spec = await state.job(camId);
          if (spec) specs.push(spec);
        }
        return specs;
      },
    });
    bus.setGate((camId) => this.#placement!.mayPublish(camId));
    this.#stopBridge = bridgeResults(this.nc, bus, this.nodeId);
    return this.#placement;
  }

  /** Starts placement turns. */
  run(): void {
    this.placement.start();
  }

  /**
   * Nodes, their load and what each owns (the registry watch; this node's own record is current),
   * and each job's owner as of the last placement turn. Asks NATS nothing.
   */
  view(): ClusterView {
    const now = Date.now();
    const self = this.#placement?.record();
    const nodes = [...this.#nodes.values()]
      .filter((n) => now - n.seenAt < LEASE_TTL_MS && n.record.id !== this.nodeId)
      .map((n) => n.record);
    if (self) nodes.push(self);
    nodes.sort((a, b) => a.id.localeCompare(b.id));
    const owners = this.#placement?.owners() ?? new Map<string, string>();
    const jobs: Record<string, string> = {};
    for (const camId of this.backend.names("job")) {
      const key = jobLeaseKey(camId);
      jobs[camId] = self?.owns.includes(camId) ? this.nodeId : owners.get(key) ?? "";
    }
    return { mode: "cluster", node_id: this.nodeId, nodes, jobs };
  }

  /** Hands work back (jobs stop here first), then leaves NATS. */
  async stop(): Promise<void> {
    await this.#placement?.stop();
    this.#stopBridge?.();
    for (const stop of this.#stopWatches) stop();
    this.backend.stop();
    await this.nc.drain().catch(() => this.nc.close());
  }
}
