/**
 * The replicated collections of the desired state, one adapter each: how to read an entity's local
 * value (what a node publishes to the shared store) and how to apply another node's value to the
 * local files. The shared store (`kv_backend.ts`) knows only `<kind>.<name>` keys and JSON values;
 * what a value means stays here. Preview entries are not replicated: a preview stream is a page's
 * view on the node that page talks to.
 */
import { ConflictError, NotFoundError } from "../../storage/errors.ts";
import type { SourceConfig, SourceStore } from "../../storage/source_store.ts";
import { loadRois, saveRois } from "../../storage/roi_store.ts";
import type { MqttConfigStore } from "../../storage/mqtt_config_store.ts";
import type { MqttConfig } from "../../storage/mqtt_config.ts";
import type { WebhookStore } from "../../storage/webhook_store.ts";
import type { WebhookConfig } from "../../storage/webhook_config.ts";
import { keySegment, type SnapshotStore } from "../runtime/mod.ts";
import type { Change, EntityKind } from "./change.ts";

/** Another node's value of one entity; `value` undefined: it is gone (`renamedTo`: by a rename). */
export interface RemoteEntity {
  kind: EntityKind;
  name: string;
  value: unknown;
  renamedTo?: string;
}

/** Where local changes are published (the KV backend). */
export interface StateReplica {
  /** Stores an entity's value (undefined: gone) for every node. */
  publish(
    kind: EntityKind,
    name: string,
    entry: { value: unknown; renamedTo?: string },
  ): Promise<void>;
}

/** One collection's adapter. */
export interface Collection {
  /** The local value, undefined when absent. */
  read(name: string): Promise<unknown>;
  /** Writes a remote value locally; returns the change to announce, or undefined for none. */
  apply(e: RemoteEntity): Promise<Change | undefined>;
}

/** Adapters by kind (only the replicated kinds). */
export type Collections = Partial<Record<EntityKind, Collection>>;

/** The kinds replicated across nodes. */
export const REPLICATED_KINDS: readonly EntityKind[] = ["source", "rois", "job", "mqtt", "webhook"];

/** The entities a local change touches, in the order other nodes must apply them. */
export function replicatedEntities(
  change: Change,
): { kind: EntityKind; name: string; gone?: boolean; renamedTo?: string }[] {
  if (change.kind === "source" && change.op === "rename") {
    return [
      { kind: "source", name: change.name, gone: true, renamedTo: change.to },
      { kind: "source", name: change.to },
      { kind: "rois", name: change.to },
    ];
  }
  if (change.kind === "source" && change.op === "delete") {
    return [{ kind: "source", name: change.name, gone: true }];
  }
  if (!REPLICATED_KINDS.includes(change.kind)) return [];
  return [{ kind: change.kind, name: change.name, gone: change.op === "delete" }];
}

/** Builds the adapters over the file stores. */
export function stateCollections(
  stores: {
    sources: SourceStore;
    jobs: SnapshotStore;
    mqtt?: MqttConfigStore;
    webhooks?: WebhookStore;
  },
): Collections {
  const { sources, jobs, mqtt, webhooks } = stores;
  const jobKey = (camId: string) => `job/${keySegment(camId)}`;
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const colls: Collections = {
    source: {
      read: (name) => sources.get(name),
      async apply(e) {
        const local = await sources.get(e.name);
        if (e.value === undefined) {
          if (!local) return undefined;
          if (e.renamedTo !== undefined && !(await sources.get(e.renamedTo))) {
            const to = await sources.rename(e.name, e.renamedTo);
            return { kind: "source", name: e.name, op: "rename", to };
          }
          await sources.remove(e.name).catch(ignore(NotFoundError));
          return { kind: "source", name: e.name, op: "delete" };
        }
        const cfg = e.value as SourceConfig;
        if (same(local, cfg)) return undefined;
        if (!local) {
          await sources.create({ name: e.name, source: cfg.source, stream_type: cfg.stream_type })
            .catch(ignore(ConflictError));
        }
        await sources.update(e.name, cfg);
        return { kind: "source", name: e.name, op: "put" };
      },
    },
    rois: {
      async read(name) {
        try {
          return (await loadRois(sources, name)).rois;
        } catch (err) {
          if (err instanceof NotFoundError) return undefined;
          throw err;
        }
      },
      async apply(e) {
        if (e.value === undefined || !(await sources.get(e.name))) return undefined;
        if (same(await colls.rois!.read(e.name), e.value)) return undefined;
        await saveRois(sources, e.name, e.value);
        return { kind: "rois", name: e.name, op: "put" };
      },
    },
    job: {
      read: (camId) => jobs.load(jobKey(camId)),
      async apply(e) {
        const local = await jobs.load(jobKey(e.name));
        if (same(local, e.value)) return undefined;
        if (e.value === undefined) await jobs.delete(jobKey(e.name));
        else await jobs.save(jobKey(e.name), e.value);
        return { kind: "job", name: e.name, op: e.value === undefined ? "delete" : "put" };
      },
    },
  };
  if (mqtt) {
    colls.mqtt = {
      read: (name) => Promise.resolve(mqtt.get(name)),
      apply: (e) =>
        mqtt.exclusive(e.name, async (): Promise<Change | undefined> => {
          const local = mqtt.get(e.name);
          if (same(local, e.value)) return undefined;
          if (e.value === undefined) await mqtt.remove(e.name);
          else if (local) await mqtt.replace(e.value as MqttConfig);
          else await mqtt.create(e.value as MqttConfig);
          return { kind: "mqtt", name: e.name, op: e.value === undefined ? "delete" : "put" };
        }),
    };
  }
  if (webhooks) {
    colls.webhook = {
      read: (name) => Promise.resolve(webhooks.get(name)),
      apply: (e) =>
        webhooks.exclusive(e.name, async (): Promise<Change | undefined> => {
          const local = webhooks.get(e.name);
          if (same(local, e.value)) return undefined;
          if (e.value === undefined) await webhooks.remove(e.name);
          else if (local) await webhooks.replace(e.value as WebhookConfig);
          else await webhooks.create(e.value as WebhookConfig);
          return { kind: "webhook", name: e.name, op: e.value === undefined ? "delete" : "put" };
        }),
    };
  }
  return colls;
}

function ignore(cls: new (...args: never[]) => Error) {
  return (err: unknown) => {
    if (!(err instanceof cls)) throw err;
  };
}
