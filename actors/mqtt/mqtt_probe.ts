/**
 * "Test connection": one short connection to a config's broker with its host, login and TLS
 * files, but its own client id and no last will, so the live connection is not replaced (a
 * broker drops the older of two clients with one id) and nothing is published: subscribers of
 * `<base_topic>/status` see neither `offline` nor `online`.
 */
import mqtt, { type MqttClient } from "mqtt";
import { brokerUrl, clientOptions } from "./mqtt_connection_actor.ts";
import type { MqttConfig } from "../../storage/mqtt_config.ts";

/** The outcome of a probe. */
export type MqttProbeResult =
  | { ok: true; broker: string; client_id: string; ms: number }
  | { ok: false; broker: string; client_id: string; error: string };

/** Probe options; defaults in brackets. */
export interface MqttProbeOptions {
  /** Folder TLS paths are relative to (the data dir). */
  dataDir: string;
  /** Give up after this many ms [10,000]. */
  timeoutMs?: number;
}

/** The probe's client id: the config's (or `visionroi`) plus `_test_` and 6 random hex digits. */
export function probeClientId(cfg: Pick<MqttConfig, "client_id">): string {
  const rand = crypto.getRandomValues(new Uint8Array(3));
  const hex = [...rand].map((b) => b.toString(16).padStart(2, "0")).join("");
  // MQTT 3.1.1 brokers must accept 23 characters; most accept more. Keep the config's prefix short.
  return `${(cfg.client_id || "visionroi").slice(0, 40)}_test_${hex}`;
}

/** Connects once, then disconnects cleanly; never throws (a failure is `ok: false`). */
export async function probeMqtt(cfg: MqttConfig, opts: MqttProbeOptions): Promise<MqttProbeResult> {
  const broker = brokerUrl(cfg);
  const clientId = probeClientId(cfg);
  let options;
  try {
    options = await clientOptions(cfg, opts.dataDir);
  } catch (err) {
    return { ok: false, broker, client_id: clientId, error: (err as Error).message };
  }
  delete options.will;
  options.clientId = clientId;
  options.connectTimeout = opts.timeoutMs ?? 10_000;
  options.reconnectPeriod = 0;
  const started = performance.now();
  let client: MqttClient;
  try {
    client = mqtt.connect(broker, options);
  } catch (err) {
    // A host mqtt.js cannot put in a URL (spaces, control characters) throws at once.
    return { ok: false, broker, client_id: clientId, error: (err as Error).message };
  }
  const outcome = await new Promise<string | null>((resolve) => {
    const timer = setTimeout(
      () => resolve(`no answer within ${(opts.timeoutMs ?? 10_000) / 1000} s`),
      (opts.timeoutMs ?? 10_000) + 500,
    );
    client.once("connect", () => (clearTimeout(timer), resolve(null)));
    client.once("error", (err) => (clearTimeout(timer), resolve(err.message)));
    client.once("close", () => (clearTimeout(timer), resolve("connection closed by the broker")));
  });
  const ms = Math.round(performance.now() - started);
  if (outcome === null) {
    await client.endAsync().catch(() => client.end(true));
    return { ok: true, broker, client_id: clientId, ms };
  }
  client.end(true);
  return { ok: false, broker, client_id: clientId, error: outcome };
}
