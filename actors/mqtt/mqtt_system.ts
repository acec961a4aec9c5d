/**
 * MQTT configs → one supervised {@linkcode MqttConnectionActor} each, with an outbox per config that
 * outlives restarts of the connection and, written through to `mqtt_outbox.db`, of the process. A ResultBus sink maps every ROI result whose `mqtt_config` names a config to a
 * publish on VisionROI's topic; Home Assistant discovery follows the saved and running ROIs;
 * `<base_topic>/<cam_id>/set` drives jobs. Every ROI message's fate (published, waiting for the
 * broker, failed, dropped) is a line in that ROI's MQTT log (`<source>/mqtt/<roi>.log`).
 */
import { MqttConnectionActor, type MqttConnectionStatus } from "./mqtt_connection_actor.ts";
import {
  MqttOutbox,
  type OutboxMessage,
  type OutboxPersistence,
  type OutboxStats,
} from "./mqtt_outbox.ts";
import {
  type MqttLogTag,
  MqttRoiLog,
  type MqttRoiLogOptions,
  tagOfPayload,
} from "./mqtt_roi_log.ts";
import { OUTBOX_DB_FILE, OutboxDb } from "./mqtt_outbox_db.ts";
import { camIdOfControlTopic, roiPayload, roiTopic } from "./mqtt_topics.ts";
import { checkControlCamId, type ControlCommand, parseControl } from "./mqtt_control.ts";
import { discoveryConfigs } from "./ha_discovery.ts";
import { type RoiSet, watchRoiChanges } from "./roi_sets.ts";

export { collectRoiSets } from "./roi_sets.ts";
import type { FrameResult, RoiResultEntry } from "../jobs/result_bus.ts";
import type { JobConfig, JobRoi } from "../jobs/inference_job_actor.ts";
import type { JobSystem, StartRequest } from "../jobs/job_system.ts";
import {
  type Clock,
  type RestartPolicy,
  type SnapshotStore,
  Supervisor,
  systemClock,
} from "../runtime/mod.ts";
import type { MqttConfig } from "../../storage/mqtt_config.ts";
import { join } from "node:path";
import { pathExists as exists } from "../../storage/path_exists.ts";

/** What the system needs from jobs. */
export type JobControl = Pick<JobSystem, "start" | "stop" | "config" | "camIds">;

/** A connection's state as the API shows it (`GET /mqtt_configs` → `status`). */
export interface MqttStatusView extends OutboxStats {
  state: MqttConnectionStatus;
  last_error: string | null;
  /** When the current connection came up, seconds since the epoch. */
  connected_at: number | null;
  /** When the next connection attempt starts, seconds since the epoch. */
  next_retry_at: number | null;
  /** Reconnects since the config was loaded. */
  restarts: number;
}

/** MQTT system options; defaults in brackets. */
export interface MqttSystemOptions {
  /** Folder TLS paths are relative to (the data dir). */
  dataDir: string;
  jobs: JobControl;
  /** The ROIs discovery describes: saved sources and running jobs (see `collectRoiSets`). */
  roiSets: () => Promise<RoiSet[]>;
  /** Where the published discovery topics of each config persist (`mqtt/<hex name>`). */
  store: SnapshotStore;
  /** Time source [system clock]. */
  clock?: Clock;
  /**
   * Reconnect backoff [0.5 s doubling, at most 1 s for the first minute of an outage and 5 s after
   * it, never parked for a broker that is away].
   */
  policy?: Partial<RestartPolicy>;
  /** Where outboxes persist [`<dataDir>/mqtt_outbox.db`]. */
  outboxPath?: string;
  /**
   * The stored config of a name (the desired state): a crashed connection restarts from it, and
   * {@linkcode MqttSystem.reconcile} applies or removes by it. Without it, the last applied config.
   */
  configOf?: (name: string) => MqttConfig | undefined;
  /** Per-ROI MQTT logs: size, rotation, queue bound [1 MiB, 3 kept, 1000 lines]. */
  log?: MqttRoiLogOptions;
  /**
   * Cluster mode: where a config's outbox persists, given its local (SQLite) persistence
   * (`ClusterOutbox.persistence`: result messages in a KV bucket) [the local one].
   */
  outboxPersistence?: (config: string, local: OutboxPersistence) => OutboxPersistence;
  /**
   * Cluster mode: this node's id and the live nodes' ids. Each node announces itself on
   * `<base>/status/<node>` (its last will) and discovery lists every live node's topic with
   * `availability_mode: any` [single node: `<base>/status`].
   */
  cluster?: { nodeId: string; nodes: () => string[]; mayPublish?: (camId: string) => boolean };
}

interface Link {
  config: MqttConfig;
  outbox: MqttOutbox;
  /** Discovery topic → payload as last published on this connection. */
  published: Map<string, string>;
}

const RECONNECT: Partial<RestartPolicy> = {
  initialDelayMs: 500,
  maxDelayMs: 5_000,
  // Probe at least every second early in an outage, so delivery resumes soon after the broker.
  earlyMaxDelayMs: 1_000,
  earlyWindowMs: 60_000,
  // A connection that stayed up (or kept trying) for 5 s starts a new outage when it drops.
  stableAfterMs: 5_000,
  maxRestarts: Infinity,
};

const storeKey = (name: string) =>
  `mqtt/c${
    [...new TextEncoder().encode(name)].map((b) => b.toString(16).padStart(2, "0")).join("")
  }`;

/** All MQTT connections of the process. */
export class MqttSystem {
  readonly supervisor: Supervisor<MqttConnectionActor>;
  /** The per-ROI MQTT logs. */
  readonly roiLog: MqttRoiLog;
  #o: MqttSystemOptions;
  #clock: Clock;
  #links = new Map<string, Link>();
  #lastText = new Map<string, string>();
  #warned = new Set<string>();
  #roiIndex = new WeakMap<JobConfig, Map<string, JobRoi>>();
  #syncing: Promise<void> = Promise.resolve();
  #controls: Promise<void> = Promise.resolve();
  #stoppedJobs = new Map<string, JobConfig>();
  #watcher: Deno.FsWatcher | undefined;
  #debounce: ReturnType<typeof setTimeout> | undefined;
  #outboxDb: OutboxDb | undefined;

  constructor(opts: MqttSystemOptions) {
    this.#o = opts;
    this.#clock = opts.clock ?? systemClock;
    this.roiLog = new MqttRoiLog(opts.dataDir, opts.log);
    this.supervisor = new Supervisor({
      clock: this.#clock,
      policy: { ...RECONNECT, ...opts.policy },
    });
  }

  /** Starts a connection per config; with one or more, the data dir is watched for ROI changes. */
  async start(configs: readonly MqttConfig[]): Promise<void> {
    // Without configs the file is not created; one left from earlier still sheds deleted configs.
    if (configs.length > 0 || await exists(this.#outboxPath())) {
      this.#db().keepOnly(configs.map((c) => c.name));
    }
    for (const c of configs) await this.#startLink(c);
    await this.syncDiscovery();
  }

  /** Starts (or restarts with the new settings) the connection of a config. */
  async apply(config: MqttConfig): Promise<void> {
    await this.#startLink(config);
    await this.syncDiscovery();
  }

  async #startLink(config: MqttConfig): Promise<void> {
    const old = this.#links.get(config.name);
    const link: Link = old ?? {
      config,
      outbox: new MqttOutbox(config.outbox_size, this.#persistence(config.name)),
      published: new Map(),
    };
    if (!old) link.outbox.onOutcome((msg, outcome) => this.#logOutcome(link, msg, outcome));
    if (old && !sameDiscovery(old.config, config)) await this.#clearDiscovery(old);
    link.config = config;
    link.outbox.resize(config.outbox_size);
    this.#links.set(config.name, link);
    this.#watcher ??= this.#watch();
    this.#warned.delete(config.name);
    await this.supervisor.startChild({
      id: `mqtt:${config.name}`,
      kind: "permanent",
      create: () => this.#connection(link),
    });
  }

  /**
   * The reconciler: makes the connection of `name` match its stored config (the desired state's
   * change feed calls it after every MQTT config write): started or restarted when stored, closed
   * when gone.
   */
  async reconcile(name: string): Promise<void> {
    const cfg = this.#o.configOf?.(name);
    if (cfg) await this.apply(cfg);
    else await this.remove(name);
  }

  /** Removes a config's discovery entries (best effort) and closes its connection. */
  async remove(name: string): Promise<void> {
    const link = this.#links.get(name);
    if (!link) return;
    await this.#clearDiscovery(link);
    await this.#drained(link, 2_000);
    await this.supervisor.stopChild(`mqtt:${name}`);
    this.#links.delete(name);
    this.#outboxDb?.clear(name);
    await this.#o.store.delete(storeKey(name));
  }

  /** The API's status of a config's connection. */
  status(name: string): MqttStatusView | undefined {
    const link = this.#links.get(name);
    if (!link) return undefined;
    const sup = this.supervisor.status(`mqtt:${name}`);
    const snap = this.supervisor.instance(`mqtt:${name}`)?.snapshot();
    const state: MqttConnectionStatus = sup?.state === "failed"
      ? "failed"
      : sup?.state === "restarting" || sup?.state === "stopped" || !snap
      ? "disconnected"
      : snap.status;
    return {
      state,
      last_error: snap?.last_error ?? sup?.lastError ?? null,
      connected_at: snap?.connected_at ? snap.connected_at / 1000 : null,
      next_retry_at: sup?.nextRestartAt ? sup.nextRestartAt / 1000 : null,
      restarts: sup?.restarts ?? 0,
      ...link.outbox.stats(),
    };
  }

  /** The ResultBus sink: one publish per ROI result that names a config. */
  readonly sink = (result: FrameResult): void => {
    for (const entry of result.results) {
      const name = entry.mqtt_config;
      // Only accepted values reach state topics (plausibility rules; on_change_only holds repeats).
      if (!name || entry.status === "rejected" || entry.unchanged) continue;
      const link = this.#links.get(name);
      const roi: MqttLogTag = { source: entry.source, roiId: entry.id, roiName: entry.name ?? "" };
      if (!link) {
        if (!this.#warned.has(name)) {
          console.error(`mqtt: ROI ${entry.id} names unknown config ${name}`);
          void this.roiLog.write(roi, "ERROR", `MQTT config '${name}' not found`);
        }
        this.#warned.add(name);
        continue;
      }
      if (this.#unchanged(name, result, entry)) continue;
      const c = link.config;
      const msg: OutboxMessage = {
        topic: roiTopic(c.base_topic, {
          source: entry.source,
          camId: entry.cam_id,
          group: entry.group,
          roiId: entry.id,
        }),
        payload: JSON.stringify(roiPayload(entry)),
        qos: c.qos,
        retain: c.retain,
        queuedAt: this.#clock.now(),
        roi,
        id: crypto.randomUUID(),
        camId: entry.cam_id,
      };
      const status = this.status(name);
      if (status && status.state !== "connected") {
        const why = status.last_error ? `: ${status.last_error}` : "";
        void this.roiLog.write(
          roi,
          "WARNING",
          `${describe(name, msg)} waits in the outbox (broker ${status.state}${why})`,
        );
      }
      link.outbox.push(msg);
    }
  };

  /** The log line of a message delivered (VisionROI's words) or dropped from a full outbox. */
  #logOutcome(link: Link, msg: OutboxMessage, outcome: "sent" | "dropped"): void {
    const roi = msg.roi ?? tagOfPayload(msg.payload);
    if (!roi) return; // discovery and status messages belong to no ROI
    const name = link.config.name;
    if (outcome === "sent") {
      void this.roiLog.write(roi, "INFO", `Published ${describe(name, msg)}`);
    } else {
      const size = link.outbox.capacity;
      void this.roiLog.write(
        roi,
        "WARNING",
        `Dropped ${describe(name, msg)}: outbox full (outbox_size ${size})`,
      );
    }
  }

  /**
   * Publishes discovery for current ROIs and removes what no longer exists; one run at a time.
   * A failure (an unreadable ROI file) is logged and retried on the next change or reconnect.
   */
  syncDiscovery(): Promise<void> {
    this.#syncing = this.#syncing.then(() => this.#sync()).catch((err) => {
      console.error(`mqtt discovery: ${(err as Error).message}`);
    });
    return this.#syncing;
  }

  /** Stops watching and every connection (each says `offline` first). */
  async stopAll(): Promise<void> {
    this.#watcher?.close();
    this.#watcher = undefined;
    clearTimeout(this.#debounce);
    await this.#syncing;
    await this.supervisor.stopAll();
    this.#outboxDb?.close();
    this.#outboxDb = undefined;
  }

  /**
   * Queues a message another node had queued (cluster mode: adopted with its job); false when
   * config `name` does not run here.
   */
  adopt(name: string, msg: OutboxMessage): boolean {
    const link = this.#links.get(name);
    if (!link) return false;
    link.outbox.push(msg);
    return true;
  }

  /**
   * Forgets queued messages of config `name` that another node adopted (cluster mode: their
   * stored copies are gone); returns how many.
   */
  forget(name: string, seqs: ReadonlySet<number>): number {
    return this.#links.get(name)?.outbox.forget(seqs) ?? 0;
  }

  #persistence(name: string): OutboxPersistence {
    const local = this.#db().persistence(name);
    return this.#o.outboxPersistence?.(name, local) ?? local;
  }

  /** The outbox database, opened on first use. */
  #db(): OutboxDb {
    this.#outboxDb ??= new OutboxDb(this.#outboxPath());
    return this.#outboxDb;
  }

  #outboxPath(): string {
    return this.#o.outboxPath ?? join(this.#o.dataDir, OUTBOX_DB_FILE);
  }

  /**
   * Saved ROI files, source folders and job configs change on disk: resync discovery shortly after
   * (debounced), so a deleted ROI or source loses its entity without the routes knowing about MQTT.
   */
  #watch(): Deno.FsWatcher {
    return watchRoiChanges(this.#o.dataDir, () => {
      clearTimeout(this.#debounce);
      this.#debounce = setTimeout(() => void this.syncDiscovery(), 200);
    });
  }

  #connection(link: Link): MqttConnectionActor {
    // A restart after a crash builds from the stored config, not from one captured earlier.
    const config = this.#o.configOf?.(link.config.name) ?? link.config;
    return new MqttConnectionActor(config, {
      outbox: link.outbox,
      dataDir: this.#o.dataDir,
      clock: this.#clock,
      nodeId: this.#o.cluster?.nodeId,
      mayPublish: this.#o.cluster?.mayPublish,
      lastNode: this.#o.cluster &&
        (() => this.#o.cluster!.nodes().every((n) => n === this.#o.cluster!.nodeId)),
      // Commands run one after another, in arrival order (a start must not overtake a stop).
      onControl: (topic, payload) => {
        this.#controls = this.#controls.then(() => this.#control(link.config, topic, payload));
      },
      onSendError: (msg, err) => {
        const roi = msg.roi ?? tagOfPayload(msg.payload);
        if (!roi) return;
        const text = `Failed to publish ${describe(link.config.name, msg)}: ${err.message}`;
        void this.roiLog.write(roi, "ERROR", `${text} (kept for the next connection)`);
      },
      onConnected: () => {
        // A restarted broker may have lost retained configs: send them again.
        link.published.clear();
        void this.syncDiscovery();
      },
    });
  }

  /** True when the ROI asks for changes only (`mqtt_on_change`) and its text did not change. */
  #unchanged(name: string, result: FrameResult, entry: RoiResultEntry): boolean {
    const job = this.#o.jobs.config(result.cam_id);
    if (!job) return false;
    let index = this.#roiIndex.get(job);
    if (!index) {
      index = new Map(job.rois.map((r) => [String(r.id), r]));
      this.#roiIndex.set(job, index);
    }
    const roi = index.get(entry.id) as (JobRoi & { mqtt_on_change?: unknown }) | undefined;
    if (roi?.mqtt_on_change !== true) return false;
    const key = `${name}\u0000${result.cam_id}\u0000${entry.id}`;
    if (this.#lastText.get(key) === entry.text) return true;
    this.#lastText.set(key, entry.text);
    return false;
  }

  async #control(cfg: MqttConfig, topic: string, payload: string): Promise<void> {
    const raw = camIdOfControlTopic(cfg.base_topic, topic);
    if (raw === undefined) return;
    let camId: string;
    let cmd: ControlCommand;
    try {
      camId = checkControlCamId(raw);
      cmd = parseControl(payload);
    } catch (err) {
      console.error(
        `mqtt ${cfg.name}: ignored control message on ${topic}: ${(err as Error).message}`,
      );
      return;
    }
    try {
      const answer = await this.#runControl(camId, cmd);
      console.log(`mqtt ${cfg.name}: ${topic} ${payload} → ${answer}`);
    } catch (err) {
      console.error(`mqtt ${cfg.name}: control of ${camId} failed: ${(err as Error).message}`);
    }
  }

  /**
   * Applies a command. A stop remembers the job's config so that a later `start` brings the same
   * job back (its inline ROIs included); a start with nothing remembered starts the cam_id the way
   * `/start_inference` with an empty body does. An interval alone changes a running job only, and
   * keeps its ROIs and group.
   */
  async #runControl(camId: string, cmd: ControlCommand): Promise<string> {
    const jobs = this.#o.jobs;
    const running = jobs.config(camId);
    if (cmd.command === "stop") {
      const a = await jobs.stop(camId);
      if (running) this.#stoppedJobs.set(camId, running);
      return a.status;
    }
    if (cmd.command !== "start" && !running) return "ignored: no job runs";
    // Keep what runs (or ran): a start without ROIs would re-read the source's rois.json.
    const base = running ?? this.#stoppedJobs.get(camId);
    const req: StartRequest = base
      ? {
        settings: base.source ? { name: base.source } : undefined,
        // A job that follows its source's ROI set keeps following it (no frozen copy).
        rois: base.inlineRois ? base.rois : undefined,
        group: base.group,
        interval: base.interval,
        resultTimeout: base.resultTimeout,
        drawPageBoxes: base.drawPageBoxes,
      }
      : {};
    if (cmd.interval !== undefined) req.interval = cmd.interval;
    const a = await jobs.start(camId, req);
    if (a.status === "started") this.#stoppedJobs.delete(camId);
    return `${a.status}${a.message ? ` ${a.message}` : ""}`;
  }

  async #sync(): Promise<void> {
    const links = [...this.#links.values()];
    if (links.length === 0) return;
    const sets = await this.#o.roiSets();
    for (const link of links) {
      const desired = link.config.ha_discovery
        ? discoveryConfigs(link.config, sets, this.#o.cluster?.nodes())
        : new Map();
      await this.#publishDiscovery(link, desired);
    }
  }

  /** Publishes changed entries, empties the ones that went away, and remembers the set. */
  async #publishDiscovery(link: Link, desired: Map<string, string>): Promise<void> {
    const key = storeKey(link.config.name);
    const before = (await this.#o.store.load<{ discovery: string[] }>(key))?.discovery ?? [];
    const push = (topic: string, payload: string) =>
      link.outbox.push({ topic, payload, qos: 1, retain: true, queuedAt: this.#clock.now() });
    for (const [topic, payload] of desired) {
      if (link.published.get(topic) === payload) continue;
      push(topic, payload);
      link.published.set(topic, payload);
    }
    for (const topic of new Set([...before, ...link.published.keys()])) {
      if (desired.has(topic)) continue;
      push(topic, "");
      link.published.delete(topic);
    }
    const after = [...desired.keys()].sort();
    if (after.join("\n") !== [...before].sort().join("\n")) {
      await this.#o.store.save(key, { discovery: after });
    }
  }

  async #clearDiscovery(link: Link): Promise<void> {
    await this.#syncing;
    await this.#publishDiscovery(link, new Map());
  }

  /** While connected, waits until the outbox is empty, at most `ms`. */
  async #drained(link: Link, ms: number): Promise<void> {
    const until = this.#clock.now() + ms;
    const up = () => this.status(link.config.name)?.state === "connected";
    while (up() && link.outbox.stats().queued > 0 && this.#clock.now() < until) {
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

/** `MQTT message via '<cfg>' to topic '<topic>' for ROI '<name or id>'`, VisionROI's phrase. */
function describe(config: string, msg: OutboxMessage): string {
  const roi = msg.roi ?? tagOfPayload(msg.payload);
  const who = roi?.roiName || roi?.roiId || "";
  return `MQTT message via '${config}' to topic '${msg.topic}' for ROI '${who}'`;
}

function sameDiscovery(a: MqttConfig, b: MqttConfig): boolean {
  return a.ha_discovery === b.ha_discovery && a.ha_prefix === b.ha_prefix &&
    a.base_topic === b.base_topic;
}
