/**
 * `/create_mqtt`: create, edit and delete MQTT broker configs; live connection state, a connection
 * test with a separate client, and assigning a config to the ROIs of a source or group.
 */
import { useEffect, useState } from "preact/hooks";
import { useStore } from "./stores/use_store.ts";
import { $mqtt, refreshMqtt } from "./stores/mqtt.ts";
import { api, errorText } from "./stores/api.ts";
import type { MqttView } from "./stores/types.ts";
import { type Note, Notice } from "./components/Notice.tsx";
import { MqttTable } from "./components/MqttTable.tsx";
import { MqttForm } from "./components/MqttForm.tsx";
import { MqttAssign } from "./components/MqttAssign.tsx";

/**
 * Connects once with a separate test client (its own client id, no last will), so the live
 * connection and its `<base_topic>/status` stay as they are.
 */
async function testConnection(name: string): Promise<Note> {
  try {
    const r = await api<{ broker: string; client_id: string; ms: number }>(
      `/mqtt_configs/${encodeURIComponent(name)}/test`,
      { method: "POST" },
    );
    return {
      kind: "ok",
      text: `${name}: ${r.broker} accepted a test connection in ${r.ms} ms ` +
        `(test client ${r.client_id}; the live connection was left alone).`,
    };
  } catch (err) {
    return { kind: "error", text: `${name}: test connection failed: ${errorText(err)}` };
  }
}

/** The island. */
export function MqttConfigs(_props: Record<string, never>) {
  const { data, error, missing } = useStore($mqtt);
  const [editing, setEditing] = useState<MqttView | null>(null);
  // Each message shows where its button is: the form's, the table's, the assign card's.
  const [formNote, setFormNote] = useState<Note>(null);
  const [tableNote, setTableNote] = useState<Note>(null);
  const [assignNote, setAssignNote] = useState<Note>(null);
  const [testing, setTesting] = useState<string | null>(null);
  const [certs, setCerts] = useState<string[]>([]);
  useEffect(() => {
    api<{ files: string[] }>("/mqtt_certs").then((r) => setCerts(r.files)).catch(() => {});
  }, []);
  if (missing) {
    return (
      <div>
        <h1>MQTT</h1>
        <p class="notice">
          This server has no MQTT configuration routes (<code>/mqtt_configs</code>), so results are
          not published over MQTT.
        </p>
      </div>
    );
  }
  const remove = async (name: string) => {
    if (!confirm(`Delete MQTT config "${name}"?`)) return;
    try {
      await api(`/mqtt_configs/${encodeURIComponent(name)}`, { method: "DELETE" });
      if (editing?.name === name) setEditing(null);
      setTableNote({ kind: "ok", text: `Deleted "${name}".` });
    } catch (err) {
      setTableNote({ kind: "error", text: `Cannot delete "${name}": ${errorText(err)}` });
    }
    await refreshMqtt();
  };
  const test = async (name: string) => {
    setTesting(name);
    setTableNote({ kind: "info", text: `${name}: testing the connection…` });
    setTableNote(await testConnection(name));
    setTesting(null);
  };
  const edit = (c: MqttView) => {
    setEditing(c);
    setFormNote(null);
    document.querySelector('form[aria-label="MQTT config"]')?.scrollIntoView({ block: "start" });
  };
  return (
    <div>
      <h1>MQTT</h1>
      <Notice note={formNote} />
      <MqttForm
        key={editing?.name ?? "new"}
        editing={editing}
        certs={certs}
        onDone={(n) => (setFormNote(n), n?.kind === "ok" && setEditing(null), void refreshMqtt())}
        onCancel={() => setEditing(null)}
      />
      <section class="card" id="mqtt-list">
        <h2>Configs</h2>
        <Notice note={tableNote} />
        {error && <p class="notice error">{error}</p>}
        {data?.length === 0 && <p class="muted">No MQTT configs yet.</p>}
        {data && data.length > 0 && (
          <MqttTable
            configs={data}
            testing={testing}
            onEdit={edit}
            onTest={(name) => void test(name)}
            onDelete={(name) => void remove(name)}
          />
        )}
      </section>
      {data && data.length > 0 && (
        <MqttAssign configs={data.map((c) => c.name)} note={assignNote} onDone={setAssignNote} />
      )}
    </div>
  );
}
