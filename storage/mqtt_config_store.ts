/**
 * `mqtt_configs.json` in the data dir, VisionROI's format (§2.3): an array sorted by name, indent 2,
 * non-ASCII kept. Written atomically with mode 0600 (it holds passwords) by {@linkcode NamedJsonStore}. The loader also takes
 * VisionROI's `{name: cfg}` dict form and drops entries without name or host.
 */
import { ConflictError, NotFoundError } from "./errors.ts";
import { byName, NamedJsonStore } from "./named_json_store.ts";
import { type MqttConfig, normaliseStored } from "./mqtt_config.ts";

/** The file name, as VisionROI names it. */
export const MQTT_CONFIGS_FILE = "mqtt_configs.json";

/** VisionROI's key order, then ours. */
const KEY_ORDER: (keyof MqttConfig)[] = [
  "name",
  "host",
  "port",
  "username",
  "password",
  "base_topic",
  "client_id",
  "qos",
  "retain",
  "keepalive",
  "publish_timeout",
  "tls",
  "tls_ca_file",
  "tls_cert_file",
  "tls_key_file",
  "tls_insecure",
  "outbox_size",
  "ha_discovery",
  "ha_prefix",
  "control",
];

/** Parses the file's text: a list or a `{name: cfg}` dict; bad entries are dropped. */
export function parseMqttConfigsFile(text: string): MqttConfig[] {
  const parsed = JSON.parse(text);
  const entries: [unknown, string | undefined][] = Array.isArray(parsed)
    ? parsed.map((e) => [e, undefined])
    : parsed && typeof parsed === "object"
    ? Object.entries(parsed).map(([k, v]) => [v, k])
    : [];
  const out = new Map<string, MqttConfig>();
  for (const [raw, hint] of entries) {
    const cfg = normaliseStored(raw, hint);
    if (cfg) out.set(cfg.name, cfg);
  }
  return [...out.values()].sort(byName);
}

/** The configs of one data dir, cached in memory, written through on every change. */
export class MqttConfigStore extends NamedJsonStore<MqttConfig> {
  constructor(dataDir: string) {
    super(dataDir, {
      file: MQTT_CONFIGS_FILE,
      parse: parseMqttConfigsFile,
      keyOrder: KEY_ORDER,
      // VisionROI's 400 `name exists` and 404 `not found`.
      exists: () => new ConflictError("name exists"),
      notFound: () => new NotFoundError("not found"),
    });
  }
}
