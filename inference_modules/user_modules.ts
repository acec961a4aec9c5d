/**
 * One {@linkcode ModuleProcess} per user module, started on first use. Under a compiled binary
 * there is no `deno run` to start, so user modules stay in the Web Workers (said once in the log).
 */
import type { ModuleDescriptor } from "./module_types.ts";
import type { WorkerPoolOptions } from "./pool_types.ts";
import type { InitRequest } from "./protocol.ts";
import {
  ModuleProcess,
  type ModuleProcessOptions,
  type ModuleProcessStatus,
} from "./module_process.ts";

/** Settings every module process shares (all but the descriptor). */
export type HostSettings = Omit<ModuleProcessOptions, "descriptor">;

/** True when `Deno.execPath()` is the deno CLI, which can `run` a module host. */
export function canRunSubprocesses(): boolean {
  return /^deno(\.exe)?$/.test(Deno.execPath().split(/[\\/]/).pop() ?? "");
}

/** The module processes of a pool. */
export class UserModuleHosts {
  readonly #settings: HostSettings;
  readonly #hosts = new Map<string, ModuleProcess>();

  /** Nothing starts until a user module is read. */
  constructor(settings: HostSettings) {
    this.#settings = settings;
  }

  /** The process host of a user module; undefined for built-ins. */
  hostFor(d: ModuleDescriptor): ModuleProcess | undefined {
    if (!d.userFolder) return undefined;
    let host = this.#hosts.get(d.name);
    if (!host) {
      host = new ModuleProcess({ ...this.#settings, descriptor: d });
      this.#hosts.set(d.name, host);
    }
    return host;
  }

  /** A user module's process state; `idle` before its first read, undefined for built-ins. */
  status(d: ModuleDescriptor): ModuleProcessStatus | undefined {
    if (!d.userFolder) return undefined;
    return this.#hosts.get(d.name)?.status() ?? { state: "idle", deaths: 0 };
  }

  /** Kills every module process. */
  async close(): Promise<void> {
    await Promise.all([...this.#hosts.values()].map((h) => h.close()));
  }
}

/**
 * The pool's module processes, or undefined when user modules run in the workers (the option off,
 * or no deno CLI: then said once in the log unless the caller chose it).
 */
export function userModuleHosts(
  o: Required<WorkerPoolOptions>,
  opts: { explicit: boolean },
): UserModuleHosts | undefined {
  if (o.isolateUserModules) {
    return new UserModuleHosts({
      dataDir: o.dataDir,
      onnxBackend: o.onnxBackend,
      env: o.env,
      heartbeatMs: o.heartbeatMs,
      heartbeatTimeoutMs: o.heartbeatTimeoutMs,
      startTimeoutMs: o.startTimeoutMs,
      deathPolicy: o.deathPolicy,
      now: o.clock,
      log: o.log,
    });
  }
  if (!opts.explicit && o.registry.list?.().some((d) => d.userFolder)) {
    o.log("user modules run in the workers: no deno CLI to start their processes");
  }
  return undefined;
}

/** A worker's init message; a user module's engine is never preloaded in a worker while it has a process. */
export function workerInit(
  o: Required<WorkerPoolOptions>,
  opts: { workerId: number; isolating: boolean },
): InitRequest {
  return {
    type: "init",
    workerId: opts.workerId,
    onnxBackend: o.onnxBackend,
    dataDir: o.dataDir,
    env: o.env,
    preload: o.preload.flatMap((name) => {
      const d = o.registry.get(name);
      if (!d || (d.userFolder && opts.isolating)) return [];
      return [[name, d.engineUrl.href] as [string, string]];
    }),
  };
}
