/**
 * One {@linkcode ModuleProcess} per user module, started on first use. Under a compiled binary
 * there is no `deno run` to start, so user modules stay in the Web Workers (said once in the log).
 */
import type { ModuleDescriptor } from "./module_types.ts";
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
