/**
 * One persistent MQTT connection per config (mqtt.js). It drains the config's outbox in order,
 * counts a QoS 1/2 message as sent only on its acknowledgement, announces `online` (retained) on
 * `<base_topic>/status` with a last will of `offline`, and hands live control messages to its system
 * (retained ones are old commands the broker replays on every subscribe: they are ignored).
 * It never reconnects by itself: a lost connection ends it with an error and the supervisor
 * restarts it with backoff; a refused login or a bad certificate ends it as fatal (`failed`).
 */
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import { join } from "node:path";
import { Actor, type Clock, FatalError } from "../runtime/mod.ts";
import { AckWatch, type MqttOutbox, type OutboxMessage, type OutboxStats } from "./mqtt_outbox.ts";
import { controlFilter, nodeStatusTopic, statusTopic } from "./mqtt_topics.ts";
import type { MqttConfig } from "../../storage/mqtt_config.ts";

/** What users see: `connecting`, `connected`, `disconnected` (waiting to retry) or `failed`. */
export type MqttConnectionStatus = "connecting" | "connected" | "disconnected" | "failed";

/** JSON snapshot of a connection, with its outbox counters (sent, queued, dropped). */
export interface MqttConnectionSnapshot extends OutboxStats {
  status: MqttConnectionStatus;
  /** Config name. */
  name: string;
  /** `mqtt://host:port` or `mqtts://…`. */
  broker: string;
  /** Why it last failed (the broker's or the socket's words). */
  last_error: string | null;
  /** When this connection came up, ms since the epoch. */
  connected_at: number | null;
}

/** Messages: events of the mqtt.js client, turned into transitions. */
export type MqttConnectionMessage =
  | { type: "connected" }
  | { type: "failed"; error: Error; fatal: boolean }
  | { type: "lost"; reason: string }
  | { type: "ack_timeout"; waitedMs: number };

/** Connection options; defaults in brackets. */
export interface MqttConnectionOptions {
  /** The config's outbox (it outlives the actor). */
  outbox: MqttOutbox;
  /** Folder TLS file paths are relative to. */
  dataDir: string;
  /** Called for every live (not retained) message on a subscribed control topic. */
  onControl?: (topic: string, payload: string) => void;
  /** Called when the client refused or failed to send an outbox message (it stays queued). */
  onSendError?: (msg: OutboxMessage, error: Error) => void;
  /** Called after each (re)connect, once `online` was announced (discovery republish). */
  onConnected?: () => void;
  /** Time source [system clock]. */
  clock?: Clock;
  /** Most messages in flight at once [500; mqtt.js warns past 1000 waiting on a full socket]. */
  window?: number;
  /**
   * Cluster mode: whether a result message of a camera may go out now (this node holds the job's
   * lease, as for every other publish of its results); refused ones stay queued [all may go].
   */
  mayPublish?: (camId: string) => boolean;
  /**
   * Cluster mode: this node's id. The last will and `offline` go to `<base>/status/<node>`;
   * `online` goes there and to `<base>/status` [none: both on `<base>/status`].
   */
  nodeId?: string;
  /** Cluster mode: true when no other node is up (a graceful stop then says `offline` on `<base>/status` too). */
  lastNode?: () => boolean;
}

/** Socket and TLS errors that a retry cannot fix. */
const FATAL_CODES = new Set<string | number>([
  4, // bad user name or password (MQTT 3.1.1)
  5, // not authorised
  134,
  135, // the same in MQTT 5
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_HAS_EXPIRED",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

/** The connection actor. */
export class MqttConnectionActor extends Actor<MqttConnectionMessage, MqttConnectionSnapshot> {
  readonly config: MqttConfig;
  #opts: MqttConnectionOptions;
  #client: MqttClient | undefined;
  #connected = false;
  #ackWatch: AckWatch;
  /** A later look at messages held back by `mayPublish` (a lease may come back). */
  #repump: ReturnType<Clock["setTimeout"]> | undefined;

  constructor(config: MqttConfig, opts: MqttConnectionOptions) {
    super(`mqtt:${config.name}`, {
      status: "connecting",
      name: config.name,
      broker: brokerUrl(config),
      last_error: null,
      connected_at: null,
      ...opts.outbox.stats(),
    }, { clock: opts.clock });
    this.config = config;
    this.#opts = opts;
    // A message unacknowledged for `publish_timeout` means a dead connection: end and reconnect.
    this.#ackWatch = new AckWatch(this.clock, {
      limitMs: config.publish_timeout * 1000,
      oldest: () => opts.outbox.oldestInflightAt(),
      onTimeout: (waitedMs) => {
        if (this.#connected && !this.ended) void this.send({ type: "ack_timeout", waitedMs });
      },
    });
  }

  /** The snapshot with the outbox's counters as they are now. */
  override snapshot(): MqttConnectionSnapshot {
    return { ...super.snapshot(), ...this.#opts.outbox.stats() };
  }

  /** Publishes straight to the broker when connected (not through the outbox); false otherwise. */
  publishNow(topic: string, payload: string, opts: { qos: 0 | 1 | 2; retain: boolean }): boolean {
    if (!this.#connected || !this.#client) return false;
    this.#client.publish(topic, payload, opts, (err) => {
      if (err) {
        console.error(`mqtt ${this.config.name}: publish to ${topic} failed: ${err.message}`);
      }
    });
    return true;
  }

  protected override async onStart(): Promise<() => Promise<void>> {
    const options = await clientOptions(this.config, this.#opts.dataDir, this.#opts.nodeId);
    const client = mqtt.connect(brokerUrl(this.config), options);
    this.#client = client;
    let lastError: Error | undefined;
    const tell = (m: MqttConnectionMessage) => {
      // Events after the end (a close following the error that ended it) change nothing.
      if (!this.ended) void this.send(m);
    };
    client.on("connect", () => tell({ type: "connected" }));
    client.on("error", (err) => {
      lastError = err;
      if (!this.#connected) tell({ type: "failed", error: err, fatal: isFatal(err) });
    });
    client.on("close", () => tell({ type: "lost", reason: lastError?.message ?? "closed" }));
    client.on("message", (topic, payload, packet) => {
      if (packet.retain) {
        console.error(
          `mqtt ${this.config.name}: ignored retained control message on ${topic} ` +
            "(clear it with an empty retained publish)",
        );
        return;
      }
      this.#opts.onControl?.(topic, payload.toString());
    });
    const offPush = this.#opts.outbox.onPush(() => this.#pump());
    return () => this.#close(client, offPush);
  }

  protected receive(msg: MqttConnectionMessage): void {
    switch (msg.type) {
      case "connected":
        return this.#onConnected();
      case "failed":
        this.update({ last_error: msg.error.message });
        throw msg.fatal ? new FatalError(msg.error.message) : msg.error;
      case "lost":
        this.#connected = false;
        this.#opts.outbox.requeue();
        this.update({ status: "disconnected", last_error: msg.reason });
        throw new Error(`connection lost: ${msg.reason}`);
      case "ack_timeout": {
        const secs = (msg.waitedMs / 1000).toFixed(1);
        const error = `no acknowledgement within ${secs} s (publish_timeout)`;
        this.#connected = false; // a dead link: no goodbye, the broker sends the will
        this.update({ last_error: error });
        throw new Error(error);
      }
    }
  }

  #onConnected(): void {
    const client = this.#client!;
    this.#connected = true;
    this.update({ status: "connected", connected_at: this.clock.now() });
    const base = this.config.base_topic;
    this.publishNow(statusTopic(base), "online", { qos: 1, retain: true });
    if (this.#opts.nodeId) {
      this.publishNow(nodeStatusTopic(base, this.#opts.nodeId), "online", { qos: 1, retain: true });
    }
    if (this.config.control) {
      client.subscribe(controlFilter(base), { qos: 1 }, (err) => {
        if (err) {
          console.error(`mqtt ${this.config.name}: control subscribe failed: ${err.message}`);
        }
      });
    }
    this.#opts.onConnected?.();
    this.#pump();
  }

  /** Sends queued messages in order while connected, keeping at most `window` in flight. */
  #pump(): void {
    const client = this.#client;
    if (!this.#connected || !client || this.ended) return;
    const outbox = this.#opts.outbox;
    const window = this.#opts.window ?? 500;
    const fence = this.#opts.mayPublish;
    const may = fence && ((m: OutboxMessage) => fence(m.camId!));
    while (outbox.inflight() < window) {
      const item = outbox.take(this.clock.now(), may);
      if (!item) {
        // Held back (a job this node does not own now): look again in a second, as nothing
        // else may wake the sender (its results are fenced too).
        if (may && outbox.stats().queued > outbox.inflight() && this.#repump === undefined) {
          this.#repump = this.clock.setTimeout(() => {
            this.#repump = undefined;
            this.#pump();
          }, 1_000);
        }
        break;
      }
      const { topic, payload, qos, retain } = item.msg;
      client.publish(topic, payload, { qos, retain }, (err) => {
        // A failed send stays in the outbox: the lost connection requeues it for the next one.
        if (err) return this.#opts.onSendError?.(item.msg, err);
        item.ack();
        this.#pump();
      });
    }
    this.#ackWatch.arm();
  }

  async #close(client: MqttClient, offPush: () => void): Promise<void> {
    offPush();
    this.#ackWatch.stop();
    if (this.#repump !== undefined) this.clock.clearTimeout(this.#repump);
    this.#repump = undefined;
    const wasConnected = this.#connected;
    this.#connected = false;
    this.#opts.outbox.requeue();
    if (wasConnected && !client.disconnecting) {
      // A graceful stop sends no will: say `offline` ourselves, then disconnect cleanly.
      const base = this.config.base_topic;
      const node = this.#opts.nodeId;
      const topics = node
        ? [nodeStatusTopic(base, node), ...(this.#opts.lastNode?.() ? [statusTopic(base)] : [])]
        : [statusTopic(base)];
      const offline = Promise.all(
        topics.map((topic) =>
          new Promise<void>((resolve) =>
            client.publish(topic, "offline", { qos: 1, retain: true }, () => resolve())
          )
        ),
      );
      await withTimeout(offline, 1_000);
      await withTimeout(client.endAsync(), 1_000);
    }
    client.end(true);
    this.update({ status: "disconnected" });
  }
}

/** `mqtt://host:port`, or `mqtts://` with TLS; IPv6 hosts bracketed. */
export function brokerUrl(cfg: Pick<MqttConfig, "host" | "port" | "tls">): string {
  const host = cfg.host.includes(":") && !cfg.host.startsWith("[") ? `[${cfg.host}]` : cfg.host;
  return `${cfg.tls ? "mqtts" : "mqtt"}://${host}:${cfg.port}`;
}

/** mqtt.js options of a config: login, will, TLS files (read now; a missing one is fatal). */
export async function clientOptions(
  cfg: MqttConfig,
  dataDir: string,
  nodeId?: string,
): Promise<IClientOptions> {
  const willTopic = nodeId ? nodeStatusTopic(cfg.base_topic, nodeId) : statusTopic(cfg.base_topic);
  const options: IClientOptions = {
    clientId: cfg.client_id || `visionroi_${crypto.randomUUID().slice(0, 8)}`,
    keepalive: cfg.keepalive,
    clean: true,
    reconnectPeriod: 0,
    connectTimeout: 10_000,
    protocolVersion: 4,
    will: { topic: willTopic, payload: "offline", qos: 1, retain: true },
  };
  if (cfg.username || cfg.password) {
    options.username = cfg.username;
    options.password = cfg.password;
  }
  if (cfg.tls) {
    options.rejectUnauthorized = !cfg.tls_insecure;
    if (cfg.tls_ca_file) options.ca = await readTlsFile(dataDir, cfg.tls_ca_file, "tls_ca_file");
    if (cfg.tls_cert_file) {
      options.cert = await readTlsFile(dataDir, cfg.tls_cert_file, "tls_cert_file");
    }
    if (cfg.tls_key_file) {
      options.key = await readTlsFile(dataDir, cfg.tls_key_file, "tls_key_file");
    }
  }
  return options;
}

async function readTlsFile(dataDir: string, rel: string, field: string): Promise<string> {
  try {
    return await Deno.readTextFile(join(dataDir, rel));
  } catch (err) {
    throw new FatalError(`${field} ${JSON.stringify(rel)} unreadable: ${(err as Error).message}`);
  }
}

function isFatal(err: Error): boolean {
  const code = (err as Error & { code?: string | number }).code;
  return code !== undefined && FATAL_CODES.has(code);
}

/** Waits for `p` at most `ms`; a late or failed `p` is the caller's no-op. */
async function withTimeout(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  await Promise.race([
    p.then(() => undefined, (err) => console.error(`mqtt: ${err.message}`)),
    late,
  ]);
  clearTimeout(timer);
}
