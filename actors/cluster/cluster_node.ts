/**
 * Cluster mode of one node (`--nats`): connects to NATS, makes the desired state live in the KV
 * bucket `visionroi_state`, places jobs by lease (`visionroi_leases`, entries expire after 6 s),
 * announces the node (`visionroi_nodes`) and bridges results over subjects. Buckets are created
 * with `replicas` copies (R=3 on a 3-server cluster: one server may die).
 */
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { type KV, Kvm } from "@nats-io/kv";
import type { DesiredState } from "../state/desired_state.ts";
import { KvStateBackend, retryTransient } from "../state/kv_backend.ts";
import type { ResultBus } from "../jobs/result_bus.ts";
import type { JobConfig } from "../state/job_spec.ts";
import { LeaseTable } from "./leases.ts";
import { jobLeaseKey, type NodeRecord, type PlacedJobs, Placement } from "./placement.ts";
import { bridgeResults } from "./result_subjects.ts";

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

  private constructor(opts: ClusterOptions, nc: NatsConnection, kvs: KV[]) {
    this.#opts = opts;
    this.nodeId = opts.nodeId;
    this.nc = nc;
    this.backend = new KvStateBackend(kvs[0], opts.nodeId);
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
    return new ClusterNode(opts, nc, kvs);
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
      leases: this.leases,
      nodes: this.nodesKv,
      jobs: deps.jobs,
      fenced: () => bus.fenced,
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

  /** Nodes, their load and what each owns. */
  async view(): Promise<ClusterView> {
    const nodes: NodeRecord[] = [];
    for await (const key of await retryTransient(() => this.nodesKv.keys())) {
      const e = await retryTransient(() => this.nodesKv.get(key));
      if (e?.operation === "PUT") nodes.push(e.json<NodeRecord>());
    }
    nodes.sort((a, b) => a.id.localeCompare(b.id));
    const owners = await this.leases.owners();
    const jobs: Record<string, string> = {};
    for (const camId of this.backend.names("job")) {
      jobs[camId] = owners.get(jobLeaseKey(camId)) ?? "";
    }
    return { mode: "cluster", node_id: this.nodeId, nodes, jobs };
  }

  /** Hands work back (jobs stop here first), then leaves NATS. */
  async stop(): Promise<void> {
    await this.#placement?.stop();
    this.#stopBridge?.();
    this.backend.stop();
    await this.nc.drain().catch(() => this.nc.close());
  }
}
