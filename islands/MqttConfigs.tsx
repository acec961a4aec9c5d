/** `/create_mqtt`: create, edit and delete MQTT broker configs; live connection state and a connection test. */
import { useState } from "preact/hooks";
import { useStore } from "./stores/use_store.ts";
import { $mqtt, refreshMqtt } from "./stores/mqtt.ts";
import { api, errorText } from "./stores/api.ts";
import type { MqttView } from "./stores/types.ts";
import { type Note, Notice } from "./components/Notice.tsx";
import { MqttTable } from "./components/MqttTable.tsx";
import { MqttForm } from "./components/MqttForm.tsx";

/** Re-applies a config (the server reconnects) and waits up to 10 s for it to connect or fail. */
async function testConnection(name: string): Promise<Note> {
  await api(`/mqtt_configs/${encodeURIComponent(name)}`, { method: "PUT", body: {} });
  for (let i = 0; i < 20; i++) {
    await new Promise((r) => setTimeout(r, 500));
    const list = await api<MqttView[]>("/mqtt_configs");
    const st = list.find((c) => c.name === name)?.status;
    if (st?.state === "connected") return { kind: "ok", text: `${name}: connected.` };
    if (st?.last_error && i >= 2) {
      return { kind: "error", text: `${name}: ${st.state}: ${st.last_error}` };
    }
  }
  return { kind: "error", text: `${name}: no connection within 10 s.` };
}

/** The island. */
export function MqttConfigs(_props: Record<string, never>) {
  const { data, error, missing } = useStore($mqtt);
  const [editing, setEditing] = useState<MqttView | null>(null);
  const [note, setNote] = useState<Note>(null);
  const run = async (fn: () => Promise<Note>) => {
    try {
      setNote(await fn());
    } catch (err) {
      setNote({ kind: "error", text: errorText(err) });
    }
    await refreshMqtt();
  };
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
  const remove = (name: string) => {
    if (!confirm(`Delete MQTT config "${name}"?`)) return;
    void run(async () => {
      await api(`/mqtt_configs/${encodeURIComponent(name)}`, { method: "DELETE" });
      if (editing?.name === name) setEditing(null);
      return { kind: "ok", text: `Deleted "${name}".` };
    });
  };
  return (
    <div>
      <h1>MQTT</h1>
      <Notice note={note} />
      <MqttForm
        key={editing?.name ?? "new"}
        editing={editing}
        onDone={(n) => (setNote(n), n?.kind === "ok" && setEditing(null), void refreshMqtt())}
        onCancel={() => setEditing(null)}
      />
      <section class="card">
        <h2>Configs</h2>
        {error && <p class="notice error">{error}</p>}
        {data?.length === 0 && <p class="muted">No MQTT configs yet.</p>}
        {data && data.length > 0 && (
          <MqttTable
            configs={data}
            onEdit={setEditing}
            onTest={(name) => run(() => testConnection(name))}
            onDelete={remove}
          />
        )}
      </section>
    </div>
  );
}
