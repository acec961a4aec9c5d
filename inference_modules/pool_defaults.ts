/** Defaults of the worker pool options. */
import type { WorkerPoolOptions } from "./pool_types.ts";
import { DEFAULT_DEATH_POLICY } from "./module_guard.ts";
import { canRunSubprocesses } from "./user_modules.ts";

/** Fills option defaults (documented on {@linkcode WorkerPoolOptions}). */
export function withDefaults(o: WorkerPoolOptions): Required<WorkerPoolOptions> {
  return {
    registry: o.registry,
    workers: Math.max(1, o.workers ?? navigator.hardwareConcurrency ?? 1),
    minWorkers: Math.max(1, o.minWorkers ?? 1),
    unloadAfterMs: o.unloadAfterMs ?? 300_000,
    onnxBackend: o.onnxBackend ?? "auto",
    dataDir: o.dataDir ?? `${Deno.cwd()}/data_sources`,
    env: o.env ?? {},
    preload: o.preload ?? [],
    heartbeatMs: o.heartbeatMs ?? 1000,
    heartbeatTimeoutMs: o.heartbeatTimeoutMs ?? 10_000,
    startTimeoutMs: o.startTimeoutMs ?? 60_000,
    overrunMs: o.overrunMs ?? 5000,
    log: o.log ?? ((line) => console.warn(line)),
    isolateUserModules: o.isolateUserModules ?? canRunSubprocesses(),
    deathPolicy: o.deathPolicy ?? DEFAULT_DEATH_POLICY,
    clock: o.clock ?? (() => performance.now()),
  };
}
