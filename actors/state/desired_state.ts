/**
 * The desired state: the one place that holds what should exist (sources, their ROI sets, and
 * inference jobs), backed by the data dir's files in VisionROI's formats (`<source>/config.json`,
 * `<source>/rois.json`, `.visionroi/.actors/job/<cam_id>.json`; every write atomic). Every write goes through
 * here (HTTP routes, MQTT control topics, the UI through the routes) and is validated once by the
 * entity's one validator (ROIs: `validateRois`; source specs: `frame_sources/source_spec.ts`).
 * After a write lands on disk the change feed tells every subscriber (the job reconciler, HA
 * discovery), and the write answers only once the subscribers have applied it.
 *
 * MQTT configs live in `mqtt_configs.json` (mode 0600, {@linkcode MqttConfigStore}); a write and
 * its subscribers' apply (the MQTT reconciler opening or closing the connection) run under the
 * config name's lock, so changes of one name never interleave. The per-cam_id entries of
 * `service_state.json` (which preview streams run, and the jobs' fields) are read and written only
 * here too; `preview` changes tell the stream sessions actor to reconcile its cameras. Webhooks
 * live in `webhooks.json` (mode 0600, {@linkcode WebhookStore}), written like MQTT configs.
 */
import { NotFoundError } from "../../storage/errors.ts";
import type { SourceConfig, SourceStore } from "../../storage/source_store.ts";
import {
  loadRois,
  roiPathAt,
  saveRoiFileAt,
  saveRois,
  type ValidateOptions,
} from "../../storage/roi_store.ts";
import type { MqttConfigStore } from "../../storage/mqtt_config_store.ts";
import type { MqttConfig } from "../../storage/mqtt_config.ts";
import { notFound as webhookNotFound, type WebhookStore } from "../../storage/webhook_store.ts";
import type { WebhookConfig } from "../../storage/webhook_config.ts";
import type { CamState, ServiceStateFile } from "../../storage/service_state.ts";
import { keySegment, type SnapshotStore } from "../runtime/mod.ts";
import type { JobConfig, JobRoi } from "./job_spec.ts";
import type { Change, EntityKind } from "./change.ts";
import {
  type Collections,
  type RemoteEntity,
  replicatedEntities,
  stateCollections,
  type StateReplica,
} from "./state_collections.ts";

export type { Change, EntityKind } from "./change.ts";

/** A subscriber; it may be async: the write that caused the change waits for it. */
export type ChangeListener = (change: Change) => void | Promise<void>;

/** What the store is built with. */
export interface DesiredStateOptions {
  /** Source folders (`config.json`, ROI files). */
  sources: SourceStore;
  /** Where job specs persist (`job/<cam_id>`, the `.actors/` folder). */
  jobs: SnapshotStore;
  /** `mqtt_configs.json`, loaded by the caller; without it the store holds no MQTT configs. */
  mqtt?: MqttConfigStore;
  /** `webhooks.json`, loaded by the caller; without it the store holds no webhooks. */
  webhooks?: WebhookStore;
  /** `service_state.json` (per-cam_id entries: preview streams and job state), loaded by the caller. */
  service?: ServiceStateFile;
  /** Receives a line per failed subscriber; default `console.error`. */
  log?: (line: string) => void;
}

const jobKey = (camId: string) => `job/${keySegment(camId)}`;

/** The desired state and its change feed. */
export class DesiredState {
  readonly sources: SourceStore;
  #jobs: SnapshotStore;
  #mqtt: MqttConfigStore | undefined;
  #webhooks: WebhookStore | undefined;
  #service: ServiceStateFile | undefined;
  #cams = new Map<string, CamState>();
  /** cam_id → what of its preview entry the feed last announced (running previews only). */
  #announced = new Map<string, string>();
  #listeners: { fn: ChangeListener; kind?: EntityKind; name?: string }[] = [];
  #log: (line: string) => void;
  #failures = 0;
  #replica: StateReplica | undefined;
  #collections: Collections | undefined;

  constructor(opts: DesiredStateOptions) {
    this.sources = opts.sources;
    this.#jobs = opts.jobs;
    this.#mqtt = opts.mqtt;
    this.#webhooks = opts.webhooks;
    this.#service = opts.service;
    this.#log = opts.log ?? ((line) => console.error(line));
  }

  /**
   * Calls `fn` after every change (of one kind, or one entity `kind`/`name` when given); returns
   * the unsubscribe. Subscribers run in the order they subscribed.
   */
  subscribe(fn: ChangeListener, filter: { kind?: EntityKind; name?: string } = {}): () => void {
    const entry = { fn, ...filter };
    this.#listeners.push(entry);
    return () => {
      this.#listeners = this.#listeners.filter((l) => l !== entry);
    };
  }

  /** Subscribers that threw, since start (each is logged). */
  get failures(): number {
    return this.#failures;
  }

  // Cluster mode ----------------------------------------------------------------------------

  /**
   * Attaches a second backend (the NATS KV replica): from now on every local change is published
   * there before the subscribers hear of it, and {@linkcode applyRemote} brings in other nodes'.
   */
  attachReplica(replica: StateReplica): void {
    this.#replica = replica;
    this.#collections = stateCollections({
      sources: this.sources,
      jobs: this.#jobs,
      mqtt: this.#mqtt,
      webhooks: this.#webhooks,
    });
  }

  /** The current local value of a replicated entity (what the replica publishes). */
  async localValue(kind: EntityKind, name: string): Promise<unknown> {
    return await this.#collectionsOf()[kind]?.read(name);
  }

  /**
   * Applies another node's change to the local files, then tells the subscribers (with `remote`).
   * A value equal to the local one changes nothing and announces nothing; `announce: false` (at
   * start, before anything runs) only writes.
   */
  async applyRemote(entity: RemoteEntity, opts: { announce?: boolean } = {}): Promise<void> {
    const coll = this.#collectionsOf()[entity.kind];
    if (!coll) return;
    const change = await coll.apply(entity);
    if (change && opts.announce !== false) await this.#emit({ ...change, remote: true } as Change);
  }

  #collectionsOf(): Collections {
    if (!this.#collections) throw new Error("desired state has no replica attached");
    return this.#collections;
  }

  // Sources ---------------------------------------------------------------------------------

  /** Creates a source (`config.json` and an empty `rois.json`). */
  async createSource(input: Parameters<SourceStore["create"]>[0]): Promise<SourceConfig> {
    const cfg = await this.sources.create(input);
    await this.#emit({ kind: "source", name: cfg.name, op: "put" });
    return cfg;
  }

  /** Replaces checked fields of a source's config. */
  async updateSource(name: string, patch: Partial<SourceConfig>): Promise<SourceConfig> {
    const cfg = await this.sources.update(name, patch);
    await this.#emit({ kind: "source", name: name.trim(), op: "put" });
    return cfg;
  }

  /** Renames a source; its jobs go with it. */
  async renameSource(oldName: string, newName: unknown): Promise<string> {
    const to = await this.sources.rename(oldName, newName);
    await this.#emit({ kind: "source", name: oldName, op: "rename", to });
    return to;
  }

  /** Deletes a source; its jobs stop with `source deleted`. */
  async deleteSource(name: string): Promise<void> {
    await this.sources.remove(name);
    await this.#emit({ kind: "source", name: name.trim(), op: "delete" });
  }

  // ROI sets --------------------------------------------------------------------------------

  /** The saved ROI set of a source; [] when it has none or its file cannot be read (logged). */
  async rois(source: string): Promise<JobRoi[]> {
    try {
      return (await loadRois(this.sources, source)).rois as unknown as JobRoi[];
    } catch (err) {
      if (!(err instanceof NotFoundError)) {
        this.#log(`rois of ${source} not loaded: ${(err as Error).message}`);
      }
      return [];
    }
  }

  /** Validates and writes a source's ROI set; returns the filename relative to the data dir. */
  async saveRois(source: string, rois: unknown, opts: ValidateOptions = {}): Promise<string> {
    const filename = await saveRois(this.sources, source, rois, opts);
    await this.#emit({ kind: "rois", name: source.trim(), op: "put" });
    return filename;
  }

  /** Validates and writes a ROI file at a path relative to the data dir (`?path=`). */
  async saveRoiFileAt(relPath: string, rois: unknown, opts: ValidateOptions = {}): Promise<string> {
    await roiPathAt(this.sources.dataDir, relPath);
    const filename = await saveRoiFileAt(this.sources.dataDir, relPath, rois, opts);
    // The file may be the source's ROI set (`<source>/rois.json`): tell its followers.
    await this.#emit({ kind: "rois", name: filename.split("/")[0], op: "put" });
    return filename;
  }

  // Jobs ------------------------------------------------------------------------------------

  /** The stored spec of a job, or undefined. */
  async job(camId: string): Promise<JobConfig | undefined> {
    return await this.#jobs.load<JobConfig>(jobKey(camId));
  }

  /** Stores a job's spec; a job that follows its source's ROIs stores no copy of them. */
  async putJob(config: JobConfig): Promise<void> {
    const stored = config.inlineRois ? config : { ...config, rois: [] };
    await this.#jobs.save(jobKey(config.camId), stored);
    await this.#emit({ kind: "job", name: config.camId, op: "put" });
  }

  /** Forgets a job's spec. */
  async deleteJob(camId: string): Promise<void> {
    await this.#jobs.delete(jobKey(camId));
    await this.#emit({ kind: "job", name: camId, op: "delete" });
  }

  // MQTT configs ----------------------------------------------------------------------------

  /** Every stored MQTT config, sorted by name. */
  mqttConfigs(): MqttConfig[] {
    return this.#mqtt?.list() ?? [];
  }

  /** One stored MQTT config, or undefined. */
  mqttConfig(name: string): MqttConfig | undefined {
    return this.#mqtt?.get(name);
  }

  /**
   * Stores a config: `create` refuses an existing name (ConflictError `name exists`), otherwise
   * the name must exist (NotFoundError `not found`). Answers after the subscribers applied it.
   */
  async putMqttConfig(cfg: MqttConfig, opts: { create?: boolean } = {}): Promise<void> {
    if (opts.create) {
      const store = this.#mqttStore();
      await store.exclusive(cfg.name, async () => {
        await store.create(cfg);
        await this.#emit({ kind: "mqtt", name: cfg.name, op: "put" });
      });
    } else {
      await this.updateMqttConfig(cfg.name, () => cfg);
    }
  }

  /**
   * Replaces a config with what `build` makes of the stored one, read under the name's lock (so a
   * kept password is the current one); an unknown name is NotFoundError `not found`.
   */
  async updateMqttConfig(
    name: string,
    build: (base: MqttConfig) => MqttConfig | Promise<MqttConfig>,
  ): Promise<MqttConfig> {
    const store = this.#mqttStore();
    return await store.exclusive(name, async () => {
      const base = store.get(name);
      if (!base) throw new NotFoundError("not found");
      const cfg = await build(base);
      if (cfg.name !== name) throw new RangeError(`invalid name ${JSON.stringify(cfg.name)}`);
      await store.replace(cfg);
      await this.#emit({ kind: "mqtt", name, op: "put" });
      return cfg;
    });
  }

  /** Removes a config (NotFoundError `not found` when unknown); its connection closes. */
  async deleteMqttConfig(name: string): Promise<void> {
    const store = this.#mqttStore();
    await store.exclusive(name, async () => {
      await store.remove(name);
      await this.#emit({ kind: "mqtt", name, op: "delete" });
    });
  }

  #mqttStore(): MqttConfigStore {
    if (!this.#mqtt) throw new Error("desired state built without an MQTT config store");
    return this.#mqtt;
  }

  // Webhooks ----------------------------------------------------------------------------------

  /** Every stored webhook, sorted by name. */
  webhooks(): WebhookConfig[] {
    return this.#webhooks?.list() ?? [];
  }

  /** One stored webhook, or undefined. */
  webhook(name: string): WebhookConfig | undefined {
    return this.#webhooks?.get(name);
  }

  /** Adds a webhook (ConflictError when the name exists); answers after the subscribers applied it. */
  async createWebhook(hook: WebhookConfig): Promise<void> {
    const store = this.#webhookStore();
    await store.exclusive(hook.name, async () => {
      await store.create(hook);
      await this.#emit({ kind: "webhook", name: hook.name, op: "put" });
    });
  }

  /**
   * Replaces a webhook with what `build` makes of the stored one, read under the name's lock (so a
   * kept secret is the current one); an unknown name is a NotFoundError.
   */
  async updateWebhook(
    name: string,
    build: (base: WebhookConfig) => WebhookConfig,
  ): Promise<WebhookConfig> {
    const store = this.#webhookStore();
    return await store.exclusive(name, async () => {
      const base = store.get(name);
      if (!base) throw webhookNotFound(name);
      const hook = build(base);
      await store.replace(hook);
      await this.#emit({ kind: "webhook", name, op: "put" });
      return hook;
    });
  }

  /** Removes a webhook (NotFoundError when unknown); its queue goes with it. */
  async deleteWebhook(name: string): Promise<void> {
    const store = this.#webhookStore();
    await store.exclusive(name, async () => {
      await store.remove(name);
      await this.#emit({ kind: "webhook", name, op: "delete" });
    });
  }

  #webhookStore(): WebhookStore {
    if (!this.#webhooks) throw new Error("desired state built without a webhook store");
    return this.#webhooks;
  }

  // Sessions and preview streams (`service_state.json`) ----------------------------------------

  /** Reads `service_state.json` (a missing file is empty); announces nothing. */
  async loadSessions(): Promise<void> {
    const { cameras } = await this.#serviceFile().load();
    this.#cams = new Map(Object.entries(cameras));
    this.#announced = new Map(
      [...this.#cams].flatMap(([id, cam]) => cam.roi_running ? [[id, previewKey(cam)]] : []),
    );
  }

  /** The stored entry of a cam_id. */
  session(camId: string): CamState | undefined {
    return this.#cams.get(camId);
  }

  /** Every stored cam_id entry. */
  sessionEntries(): [string, CamState][] {
    return [...this.#cams.entries()];
  }

  /** The cam_ids whose preview stream should run. */
  previews(): string[] {
    return [...this.#cams].filter(([, cam]) => cam.roi_running === true).map(([id]) => id);
  }

  /**
   * Sets (or, with undefined, forgets) a cam_id's entry in memory; {@linkcode saveSessions}
   * writes it. The stream sessions actor changes several entries in one turn this way.
   */
  setSession(camId: string, cam: CamState | undefined): void {
    if (cam) this.#cams.set(camId, cam);
    else this.#cams.delete(camId);
  }

  /**
   * Writes `service_state.json`, then announces each preview that started, stopped or changed its
   * capture since the last announcement (`preview` put / delete).
   */
  async saveSessions(): Promise<void> {
    await this.#serviceFile().save({ cameras: Object.fromEntries(this.#cams) });
    const changes: Change[] = [];
    for (const id of new Set([...this.#announced.keys(), ...this.#cams.keys()])) {
      const cam = this.#cams.get(id);
      const now = cam?.roi_running ? previewKey(cam) : undefined;
      if (now === this.#announced.get(id)) continue;
      if (now === undefined) this.#announced.delete(id);
      else this.#announced.set(id, now);
      changes.push({ kind: "preview", name: id, op: now === undefined ? "delete" : "put" });
    }
    for (const change of changes) await this.#emit(change);
  }

  /** True when the last write of `service_state.json` failed (a full disk). */
  get sessionsStale(): boolean {
    return this.#service?.stale ?? false;
  }

  /** Asks for a cam_id's preview stream (with `cam` as its entry, or its stored one). */
  async putPreview(camId: string, cam?: CamState): Promise<void> {
    const base = cam ?? this.#cams.get(camId);
    if (!base) throw new NotFoundError(`no settings stored for cam_id ${camId}`);
    this.setSession(camId, { ...base, roi_running: true });
    await this.saveSessions();
  }

  /** Stops asking for a cam_id's preview; an entry without a job goes. */
  async deletePreview(camId: string): Promise<void> {
    const cam = this.#cams.get(camId);
    if (!cam?.roi_running) return;
    this.setSession(camId, cam.inference_running ? { ...cam, roi_running: false } : undefined);
    await this.saveSessions();
  }

  #serviceFile(): ServiceStateFile {
    if (!this.#service) throw new Error("desired state built without service_state.json");
    return this.#service;
  }

  async #emit(change: Change): Promise<void> {
    if (this.#replica && !change.remote) {
      for (const e of replicatedEntities(change)) {
        await this.#replica.publish(e.kind, e.name, {
          value: e.gone ? undefined : await this.localValue(e.kind, e.name),
          renamedTo: e.renamedTo,
        });
      }
    }
    for (const l of [...this.#listeners]) {
      if (l.kind !== undefined && l.kind !== change.kind) continue;
      if (l.name !== undefined && l.name !== change.name) continue;
      try {
        await l.fn(change);
      } catch (err) {
        this.#failures++;
        this.#log(`desired state: ${change.kind} ${change.name} ${change.op}: ${err}`);
      }
    }
  }
}

/** What a preview's followers care about: its capture. */
function previewKey(cam: CamState): string {
  return JSON.stringify([cam.source, cam.resolution, cam.backend, cam.active_source]);
}
