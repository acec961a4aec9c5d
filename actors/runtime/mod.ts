/** The generic actor runtime: no domain words in here. */
export { Actor, asError, AskTimeoutError, FatalError } from "./actor.ts";
export type {
  ActorOptions,
  BaseSnapshot,
  ExitInfo,
  ExitReason,
  Reply,
  Supervisable,
} from "./actor.ts";
export { flushMicrotasks, ManualClock, systemClock } from "./clock.ts";
export type { Clock, TimerId } from "./clock.ts";
export { Mailbox } from "./mailbox.ts";
export type { MailboxOptions, MailboxStats, Overflow } from "./mailbox.ts";
export {
  DEFAULT_RESTART_POLICY,
  isRestartingTooFast,
  nextRestartDelay,
  shouldRestart,
} from "./restart_policy.ts";
export type { RestartKind, RestartPolicy } from "./restart_policy.ts";
export {
  FileSnapshotStore,
  keySegment,
  removeStaleTemps,
  writeFileAtomic,
} from "./snapshot_store.ts";
export type { SnapshotStore } from "./snapshot_store.ts";
export { Supervisor } from "./supervisor.ts";
export type { ChildSpec, ChildState, ChildStatus, SupervisorOptions } from "./supervisor.ts";
export { ActorRegistry } from "./registry.ts";
export type { RegistryOptions } from "./registry.ts";
