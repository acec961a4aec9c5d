/** Builds the running system from a config: stores, cameras, sessions; and stops it again. */
import { join } from "node:path";
import type { Config } from "./config.ts";
import { CameraSystem } from "./actors/camera_system.ts";
import { specFromConfig, StreamSessions } from "./actors/stream_sessions.ts";
import { createFrameSource, killAllChildren } from "./actors/frame_sources/mod.ts";
import type { FrameSource, SourceSpec } from "./actors/frame_sources/frame.ts";
import { FileSnapshotStore, removeStaleTemps } from "./actors/runtime/mod.ts";
import { ServiceStateFile } from "./storage/service_state.ts";
import { SourceStore } from "./storage/source_store.ts";
import { writeFileAtomic } from "./actors/runtime/snapshot_store.ts";

/** The live parts a server hands its routes. */
export interface System {
  sources: SourceStore;
  cameras: CameraSystem;
  sessions: StreamSessions;
  /** Stops every actor (newest first) and every child process. */
  stop(): Promise<void>;
}

/** Options for tests; defaults in brackets. */
export interface SystemOptions {
  /** Frame source factory [createFrameSource]. */
  createSource?: (spec: SourceSpec) => FrameSource;
}

const MARKER = ".visionroi";

/** Prepares the data dir, restores what should run, and returns the system. */
export async function startSystem(config: Config, opts: SystemOptions = {}): Promise<System> {
  await Deno.mkdir(config.dataDir, { recursive: true });
  await cleanTemps(config.dataDir);
  const sources = new SourceStore(config.dataDir);
  const cameras = new CameraSystem({
    createSource: opts.createSource ?? ((spec) => createFrameSource(spec)),
    store: new FileSnapshotStore(join(config.dataDir, ".actors")),
    savedSpec: (id) => savedSpec(sources, id),
    idleTimeoutMs: config.idleTimeoutS * 1000,
  });
  const sessions = new StreamSessions({
    cameras,
    sources,
    state: new ServiceStateFile(config.dataDir),
  });
  const fresh = await firstStart(config.dataDir);
  if (fresh && config.demo) await createDemo(sources, sessions);
  else await sessions.restore();
  return {
    sources,
    cameras,
    sessions,
    async stop() {
      await cameras.stopAll();
      await killAllChildren();
    },
  };
}

async function savedSpec(sources: SourceStore, id: string): Promise<SourceSpec | undefined> {
  try {
    const cfg = await sources.get(id);
    return cfg && specFromConfig(cfg);
  } catch (err) {
    if (err instanceof RangeError) return undefined; // not a valid source name
    throw err;
  }
}

/** True the first time a data dir is used; leaves a marker so a deleted demo stays deleted. */
async function firstStart(dataDir: string): Promise<boolean> {
  const marker = join(dataDir, MARKER);
  try {
    await Deno.stat(marker);
    return false;
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  await writeFileAtomic(marker, JSON.stringify({ created: new Date().toISOString() }) + "\n");
  return true;
}

/** The demo source, started as preview `demo`, so a new user sees frames at once. */
async function createDemo(sources: SourceStore, sessions: StreamSessions): Promise<void> {
  if (!(await sources.get("demo"))) {
    await sources.create({ name: "demo", source: "demo", stream_type: "opencv" });
  }
  const answer = await sessions.startPreview("demo", { name: "demo" });
  if (answer.status === "error") console.error(`demo camera did not start: ${answer.message}`);
}

async function cleanTemps(dataDir: string): Promise<void> {
  await removeStaleTemps(dataDir);
  for await (const e of Deno.readDir(dataDir)) {
    if (e.isDirectory) await removeStaleTemps(join(dataDir, e.name));
  }
  await removeStaleTemps(join(dataDir, ".actors", "camera"));
}
