/** A real MQTT subscriber (mqtt.js) that records every message, for asserting what a broker saw. */
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import { waitFor } from "./wait.ts";

/** One received message. */
export interface Received {
  topic: string;
  payload: string;
  retain: boolean;
}

/** A connected subscriber. */
export interface Listener {
  client: MqttClient;
  messages: Received[];
  /** Messages on one topic. */
  on(topic: string): Received[];
  /** Waits until `check` finds something among the messages. */
  until<T>(
    check: (m: Received[]) => T | undefined | false,
    what: string,
    timeoutMs?: number,
  ): Promise<T>;
  close(): Promise<void>;
}

/** Connects, subscribes to `filters` with QoS 1, and records. */
export async function listen(
  url: string,
  filters: string[],
  opts: IClientOptions = {},
): Promise<Listener> {
  const client = await mqtt.connectAsync(url, { reconnectPeriod: 200, ...opts });
  const messages: Received[] = [];
  client.on("message", (topic, payload, packet) => {
    messages.push({ topic, payload: payload.toString(), retain: packet.retain });
  });
  await client.subscribeAsync(filters, { qos: 1 });
  return {
    client,
    messages,
    on: (topic) => messages.filter((m) => m.topic === topic),
    until: (check, what, timeoutMs = 10_000) =>
      waitFor(() => check(messages), { what, timeoutMs, everyMs: 20 }),
    async close() {
      await client.endAsync(true);
    },
  };
}
