/** Builds the running system from a config: stores, cameras, sessions; and stops it again. */
import { dirname, join } from "node:path";
import type { Config } from "./config.ts";
import { CameraSystem } from "./actors/cameras/camera_system.ts";
import { StreamSessions } from "./actors/cameras/stream_sessions.ts";
import { DesiredState } from "./actors/state/desired_state.ts";
import { createFrameSource, killAllChildren } from "./actors/frame_sources/mod.ts";
import type { FrameSource, SourceSpec } from "./actors/frame_sources/frame.ts";
import { FileSnapshotStore, removeStaleTemps } from "./actors/runtime/mod.ts";
import { ServiceStateFile } from "./storage/service_state.ts";
import { SourceStore } from "./storage/source_store.ts";
import { writeFileAtomic } from "./actors/runtime/snapshot_store.ts";
import { ResultBus } from "./actors/jobs/result_bus.ts";
import { JobSystem } from "./actors/jobs/job_system.ts";
import type { JobRoi } from "./actors/jobs/inference_job_actor.ts";
import { demoRois } from "./actors/frame_sources/demo.ts";
import { createRegistry, type ModuleRegistry } from "./inference_modules/registry.ts";
import { WorkerPool } from "./inference_modules/worker_pool.ts";
import { collectRoiSets, MqttSystem } from "./actors/mqtt/mqtt_system.ts";
import { MqttConfigStore } from "./storage/mqtt_config_store.ts";
import { loadTelegramSettings, TelegramNotifier } from "./actors/results/telegram_notifier.ts";
import { createPageDetector } from "./inference_modules/page_detector.ts";
import { type AggregatedPayload, appendAggregated } from "./storage/result_log.ts";
import { countingReader, metrics } from "./actors/results/metrics.ts";
import { BatchDb } from "./storage/batch_db.ts";
import { BatchSystem, UPLOADS_DIR } from "./actors/batch/batch_system.ts";
import { historySink, startRetention } from "./actors/results/results_history.ts";
import { FIRST_START_FILE, migrateOwnFiles, ownDir } from "./storage/own_dir.ts";
import { OUTBOX_DB_FILE } from "./actors/mqtt/mqtt_outbox_db.ts";
import { WebhookStore } from "./storage/webhook_store.ts";
import { WebhookSystem } from "./actors/webhooks/webhook_system.ts";
import { WEBHOOK_OUTBOX_DB_FILE } from "./actors/webhooks/webhook_outbox_db.ts";
import { Plausibility, PREVALUES_FILE } from "./actors/results/plausibility.ts";
import { ConflictError } from "./storage/errors.ts";
import { ClusterNode } from "./actors/cluster/cluster_node.ts";
import { BatchCluster } from "./actors/cluster/batch_cluster.ts";
import { ClusterOutbox } from "./actors/cluster/mqtt_outbox_kv.ts";
import { calibrateCapacity } from "./actors/cluster/calibrate.ts";
import { Kvm } from "@nats-io/kv";

/** The live parts a server hands its routes. */
export interface System {
  sources: SourceStore;
  /** The desired state (sources, ROI sets, jobs) and its change feed; every write goes here. */
  state: DesiredState;
  cameras: CameraSystem;
  sessions: StreamSessions;
  jobs: JobSystem;
  bus: ResultBus;
  modules: ModuleRegistry;
  pool: WorkerPool;
  /** Batch tasks and the results database. */
  batch: BatchSystem;
  /** MQTT connections (one actor per config). */
  mqtt: MqttSystem;
  /** Webhooks (one sender actor and one on-disk queue per hook). */
  webhooks: WebhookSystem;
  /** Telegram notifications, when a bot is configured (`telegram.json` or env). */
  telegram?: TelegramNotifier;
  /** Plausibility rules: the ROIs' PreValues and last statuses. */
  plausibility: Plausibility;
  /** Cluster mode (`--nats`): this node's membership; undefined on a single node. */
  cluster?: ClusterNode;
  /** Stops every actor (newest first) and every child process. */
  stop(): Promise<void>;
}

/** Options for tests; defaults in brackets. */
export interface SystemOptions {
  /** Frame source factory [createFrameSource]. */
  createSource?: (spec: SourceSpec) => FrameSource;
}

/** Prepares the data dir, restores what should run, and returns the system. */
export async function startSystem(config: Config, opts: SystemOptions = {}): Promise<System> {
  await Deno.mkdir(config.dataDir, { recursive: true });
  // This project's own files live under `.visionroi/`; an older install's move there first.
  await migrateOwnFiles(config.dataDir);
  const own = ownDir(config.dataDir);
  const notice = await visionRoiNotice(config.dataDir);
  if (notice) console.log(notice);
  await cleanTemps(config.dataDir);
  const sources = new SourceStore(config.dataDir);
  const mqttConfigs = new MqttConfigStore(config.dataDir);
  await mqttConfigs.load();
  const webhookStore = new WebhookStore(config.dataDir);
  await webhookStore.load();
  const state = new DesiredState({
    sources,
    jobs: new FileSnapshotStore(join(own, ".actors")),
    mqtt: mqttConfigs,
    webhooks: webhookStore,
    service: new ServiceStateFile(config.dataDir),
  });
  await state.loadSessions();
  const cluster = config.nats.length ? await joinCluster(config, state) : undefined;
  const cameras = new CameraSystem({
    createSource: opts.createSource ?? ((spec) => createFrameSource(spec)),
    store: new FileSnapshotStore(join(own, ".actors")),
    idleTimeoutMs: config.idleTimeoutS * 1000,
  });
  const sessions = new StreamSessions({
    cameras,
    sources,
    state,
    leaseMs: config.previewLeaseS * 1000,
  });
  await sessions.start();
  // Preview streams follow the stored entries. Not awaited: the sessions actor writes entries
  // itself while it handles a request, and waiting for it there would never end.
  state.subscribe((c) => {
    sessions.reconcilePreview(c.name).catch((err) =>
      console.error(`cam ${c.name}: preview not reconciled: ${(err as Error).message}`)
    );
  }, { kind: "preview" });
  const modules = await createRegistry({ dataDir: config.dataDir });
  const pool = new WorkerPool({
    registry: modules,
    workers: config.workers,
    onnxBackend: config.onnxBackend,
    dataDir: config.dataDir,
    env: moduleEnv(),
  });
  const bus = new ResultBus();
  // One AGGREGATED_ROI line per frame in the source's custom.log, as VisionROI writes it.
  bus.addSink(async (result) => {
    if (!result.source || !result.results.length) return;
    await appendAggregated(sources, result.source, result as unknown as AggregatedPayload);
  });
  const plausibility = new Plausibility({
    path: join(own, PREVALUES_FILE),
    onReject: (module, kind) => metrics.readingRejected(module, kind),
  });
  await plausibility.load();
  const jobs = new JobSystem({
    cameras,
    sessions,
    bus,
    reader: countingReader(pool, metrics),
    state,
    detectPage: createPageDetector(pool),
    judge: (result, rulesOf) => plausibility.judge(result, rulesOf),
    placement: cluster && {
      nodeId: cluster.nodeId,
      claim: (camId, load) => cluster.placement.claim(camId, load),
      release: (camId) => cluster.placement.release(camId),
      elsewhere: () => cluster.placement.elsewhere(),
    },
    readCapacity: config.workers,
  });
  // Cluster mode without --capacity: a short calibration read on the bundled demo panel.
  if (cluster && config.capacityMeasure) {
    try {
      const cal = await calibrateCapacity(pool, { workers: config.workers });
      cluster.calibrated(cal);
      console.log(
        `cluster: capacity ${cal.capacity} ROI reads/s (measured ${cal.reads_per_s} reads/s ` +
          `in ${cal.duration_ms} ms)`,
      );
    } catch (err) {
      console.error(
        `cluster: capacity not measured (${(err as Error).message}); using ${config.capacity}`,
      );
    }
  }
  cluster?.startPlacement({
    state,
    bus,
    jobs: {
      adopt: async (camId) => void (await jobs.adopt(camId)),
      release: (camId) => jobs.release(camId),
    },
  });
  // Cluster mode: result messages queued for MQTT live in a KV bucket and move with their job.
  const clusterOutbox = cluster &&
    await ClusterOutbox.open(new Kvm(cluster.nc), cluster.nodeId, config.natsReplicas);
  const mqtt = new MqttSystem({
    outboxPersistence: clusterOutbox && ((name, local) => clusterOutbox.persistence(name, local)),
    cluster: cluster && {
      nodeId: cluster.nodeId,
      nodes: () => liveNodes(cluster),
      mayPublish: (camId) => cluster.placement.mayPublish(camId),
    },
    dataDir: config.dataDir,
    outboxPath: join(own, OUTBOX_DB_FILE),
    jobs,
    store: new FileSnapshotStore(join(own, ".actors")),
    roiSets: () =>
      collectRoiSets({
        sourceNames: () => sources.names(),
        loadRois: (source) => state.rois(source),
        jobs,
      }),
    configOf: (name) => state.mqttConfig(name),
  });
  bus.addSink(mqtt.sink);
  // Discovery follows the desired state (after the jobs applied a change: they subscribed first).
  state.subscribe((c) => {
    if (c.kind !== "mqtt" && c.kind !== "preview" && c.kind !== "webhook") {
      void mqtt.syncDiscovery();
    }
  });
  // The MQTT reconciler: each config write answers once its connection was opened or closed.
  state.subscribe((c) => mqtt.reconcile(c.name), { kind: "mqtt" });
  const webhooks = new WebhookSystem({
    outboxPath: join(own, WEBHOOK_OUTBOX_DB_FILE),
    hookOf: (name) => state.webhook(name),
  });
  bus.addSink(webhooks.sink);
  // The webhook reconciler: each write answers once its sender was (re)started or stopped.
  state.subscribe((c) => webhooks.reconcile(c.name), { kind: "webhook" });
  await webhooks.start(state.webhooks());
  const telegram = await startTelegram(config.dataDir, bus);
  await mqtt.start(state.mqttConfigs());
  clusterOutbox?.run({
    alive: (node) => cluster!.view().nodes.some((n) => n.id === node),
    owns: (camId) => cluster!.placement.mayPublish(camId),
    ownedForMs: (camId) => cluster!.placement.ownedForMs(camId),
    push: (name, msg) => mqtt.adopt(name, msg),
    forget: (name, seqs) => void mqtt.forget(name, seqs),
  });
  // Cluster mode: discovery lists the live nodes' availability topics; resync when they change.
  let nodesSeen = cluster ? liveNodes(cluster).join() : "";
  const nodesTimer = cluster && setInterval(() => {
    const now = liveNodes(cluster).join();
    if (now !== nodesSeen) void mqtt.syncDiscovery();
    nodesSeen = now;
  }, 2_000);
  const db = new BatchDb(own);
  bus.addSink(historySink(db));
  const stopRetention = startRetention(db, {
    maxAgeDays: config.resultsRetentionDays,
    maxRows: config.resultsMaxRows,
  });
  // Cluster mode: batch tasks run on any node, footage in the Object Store (batch_cluster.ts).
  const batchCluster = cluster && await BatchCluster.start({
    nc: cluster.nc,
    nodeId: cluster.nodeId,
    replicas: config.natsReplicas,
    db,
    reader: countingReader(pool, metrics),
    uploadsDir: join(own, UPLOADS_DIR),
    concurrency: config.batchWorkers,
  });
  const batch = new BatchSystem({
    db,
    reader: countingReader(pool, metrics),
    dataDir: own,
    concurrency: config.batchWorkers,
    cluster: batchCluster,
  });
  await batch.start();
  batchCluster?.run();
  const fresh = await firstStart(config.dataDir);
  await sessions.restore();
  if (fresh && config.demo) await createDemo(state, jobs);
  // In cluster mode the placement starts the jobs this node takes, from the shared specs.
  if (cluster) cluster.run();
  else await jobs.restore();
  return {
    sources,
    state,
    cameras,
    sessions,
    jobs,
    bus,
    modules,
    pool,
    mqtt,
    webhooks,
    telegram,
    batch,
    plausibility,
    cluster,
    async stop() {
      stopRetention();
      clearInterval(nodesTimer || undefined);
      // Cluster mode: batch tasks hand their queue messages back while NATS is still there.
      await batchCluster?.stop().catch((err) =>
        console.error(`cluster batch: stop failed: ${(err as Error).message}`)
      );
      // Cluster mode: MQTT stops while NATS is still there (what is still queued stays in the
      // bucket for the job's next owner; deliveries are deleted from it first).
      if (clusterOutbox) {
        await mqtt.stopAll();
        await clusterOutbox.stop();
      }
      // Cluster mode: jobs stop here before their leases are handed back.
      await cluster?.stop().catch((err) =>
        console.error(`cluster: leaving failed: ${(err as Error).message}`)
      );
      await batch.stopAll();
      await jobs.stopAll();
      await plausibility.flush();
      if (!clusterOutbox) await mqtt.stopAll();
      await webhooks.stopAll();
      await sessions.stop();
      await cameras.stopAll();
      await pool.close();
      await killAllChildren();
      db.close();
    },
  };
}

/** Ids of the live nodes of the cluster (this one included once it announced itself). */
function liveNodes(cluster: ClusterNode): string[] {
  const ids = new Set(cluster.view().nodes.map((n) => n.id));
  ids.add(cluster.nodeId);
  return [...ids].sort();
}

/** Joins the cluster: the desired state moves into the shared KV bucket (local files follow it). */
async function joinCluster(config: Config, state: DesiredState): Promise<ClusterNode> {
  const cluster = await ClusterNode.connect({
    servers: config.nats,
    nodeId: config.nodeId,
    capacity: config.capacity,
    replicas: config.natsReplicas,
    ...config.natsAuth,
  });
  state.attachReplica(cluster.backend);
  const jobNames = state.sessionEntries().filter(([, cam]) => cam.inference_running)
    .map(([id]) => id);
  await cluster.backend.start(state, {
    source: await state.sources.names(),
    rois: await state.sources.names(),
    job: jobNames,
    mqtt: state.mqttConfigs().map((c) => c.name),
  });
  console.log(`cluster: node ${config.nodeId} joined ${config.nats.join(",")}`);
  return cluster;
}

/** True the first time a data dir is used; leaves a marker so a deleted demo stays deleted. */
async function firstStart(dataDir: string): Promise<boolean> {
  const marker = join(ownDir(dataDir), FIRST_START_FILE);
  try {
    await Deno.stat(marker);
    return false;
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  await writeFileAtomic(marker, JSON.stringify({ created: new Date().toISOString() }) + "\n");
  return true;
}

/** The demo source with ROIs on its readouts and a running job `demo`, so a new user sees readings at once. */
async function createDemo(state: DesiredState, jobs: JobSystem): Promise<void> {
  if (!(await state.sources.get("demo"))) {
    // In cluster mode another node may create it at the same moment (it arrives by the watch).
    await state.createSource({ name: "demo", source: "demo", stream_type: "opencv" }).catch(
      (err) => {
        if (!(err instanceof ConflictError)) throw err;
      },
    );
  }
  const rois: JobRoi[] = demoRois("demo");
  await state.saveRois("demo", rois);
  const answer = await jobs.start("demo", {
    settings: { name: "demo" },
    group: "all",
    interval: 1,
  });
  // In cluster mode another node may run it already.
  if (answer.status !== "started" && answer.status !== "already_running") {
    console.error(`demo job did not start: ${answer.status}`);
  }
}

/** The Telegram notifier of `telegram.json` / VISIONROI_TELEGRAM_* (none without a bot). */
async function startTelegram(dataDir: string, bus: ResultBus) {
  const settings = await loadTelegramSettings(dataDir, (n) => Deno.env.get(n));
  if (!settings) return undefined;
  const telegram = new TelegramNotifier(settings);
  bus.addSink(telegram.sink);
  bus.demandImages((camId) => telegram.wantsImages(camId));
  return telegram;
}

/** Environment variables modules may read (API keys of VLM endpoints); nothing else is passed. */
function moduleEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(Deno.env.toObject())) {
    if (/^(TYPHOON_OCR_|VISIONROI_MODULE_)/.test(k)) env[k] = v;
  }
  return env;
}

async function cleanTemps(dataDir: string): Promise<void> {
  await removeStaleTemps(dataDir);
  for await (const e of Deno.readDir(dataDir)) {
    if (e.isDirectory) await removeStaleTemps(join(dataDir, e.name));
  }
  await removeStaleTemps(join(ownDir(dataDir), ".actors", "camera"));
  await removeStaleTemps(join(ownDir(dataDir), ".actors", "job"));
}

/**
 * The first-start notice of a data dir that is a VisionROI checkout's `data_sources/`: VisionROI
 * keeps `mqtt_configs.json` and `service_state.json` beside `app.py`, where this project does not
 * read them. Undefined when there is nothing to take over (or it was taken already).
 */
export async function visionRoiNotice(dataDir: string): Promise<string | undefined> {
  const parent = dirname(dataDir);
  const found: string[] = [];
  for (const name of ["mqtt_configs.json", "service_state.json"]) {
    if (await isFile(join(parent, name)) && !(await isFile(join(dataDir, name)))) found.push(name);
  }
  if (!found.length) return undefined;
  return `VisionROI files found beside the data dir (${found.join(", ")} in ${parent}); ` +
    `they are not read from there. To take over its MQTT configs and jobs run: ` +
    `deno task import-visionroi ${parent} --data-dir ${dataDir}`;
}

async function isFile(path: string): Promise<boolean> {
  return (await Deno.stat(path).catch(() => undefined))?.isFile ?? false;
}
