/** The MQTT configs table: broker, topic, QoS, live connection state, and row actions. */
import type { MqttView } from "../stores/types.ts";
import { StatusBadge } from "./StatusBadge.tsx";

/** Props of {@linkcode MqttTable}. */
export interface MqttTableProps {
  configs: MqttView[];
  /** The config whose connection test is running. */
  testing?: string | null;
  onEdit(c: MqttView): void;
  onTest(name: string): void;
  onDelete(name: string): void;
}

/** HA discovery, control, TLS (and its files), outbox in words. */
export function options(c: MqttView): string {
  const parts: string[] = [];
  if (c.ha_discovery) parts.push(`HA discovery (${c.ha_prefix})`);
  parts.push(c.control === false ? "no commands" : "commands");
  if (c.tls) {
    const files = [c.tls_ca_file, c.tls_cert_file].filter(Boolean).join(", ");
    parts.push(`TLS${files ? ` (${files})` : ""}${c.tls_insecure ? " — unverified!" : ""}`);
  }
  parts.push(`outbox ${c.outbox_size ?? 10_000}`);
  return parts.join(" · ");
}

/** The table. */
export function MqttTable({ configs, testing, onEdit, onTest, onDelete }: MqttTableProps) {
  return (
    <div class="table-wrap">
      <table id="mqtt-configs">
        <thead>
          <tr>
            <th>Name</th>
            <th>Broker</th>
            <th>Topic</th>
            <th>QoS</th>
            <th>Options</th>
            <th>Connection</th>
            <th></th>
          </tr>
        </thead>
        <tbody>
          {configs.map((c) => (
            <tr key={c.name} data-config={c.name}>
              <td>{c.name}</td>
              <td class="mono small">
                {c.tls ? "mqtts" : "mqtt"}://{c.username ? `${c.username}@` : ""}
                {c.host}:{c.port}
              </td>
              <td class="mono small">{c.base_topic || "–"}</td>
              <td>{c.qos}{c.retain ? " · retain" : ""}</td>
              <td class="small mqtt-options">{options(c)}</td>
              <td>
                <StatusBadge
                  state={c.status?.state ?? "unknown"}
                  title={c.status?.last_error}
                />
                {c.status?.last_error && <div class="small muted">{c.status.last_error}</div>}
              </td>
              <td>
                <div class="row">
                  <button type="button" onClick={() => onEdit(c)}>Edit</button>
                  <button
                    type="button"
                    disabled={testing === c.name}
                    onClick={() => onTest(c.name)}
                  >
                    {testing === c.name ? "Testing…" : "Test connection"}
                  </button>
                  <button type="button" class="danger" onClick={() => onDelete(c.name)}>
                    Delete
                  </button>
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
