/** `$mqtt`: `/mqtt_configs` with live connection status, polled every 3 s; `missing` if absent. */
import { polledStore } from "./polled.ts";
import type { MqttView } from "./types.ts";

const polled = polledStore<MqttView[]>("/mqtt_configs", 3_000);

/** The MQTT configs store. */
export const $mqtt = polled.store;

/** Re-reads the configs now. */
export const refreshMqtt = polled.refresh;
