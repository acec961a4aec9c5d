/** The MQTT config form: create (POST) or edit (PUT; a blank password keeps the stored one). */
import { useState } from "preact/hooks";
import { api, errorText } from "../stores/api.ts";
import type { MqttView } from "../stores/types.ts";
import type { Note } from "./Notice.tsx";

/** Props of {@linkcode MqttForm}. */
export interface MqttFormProps {
  editing: MqttView | null;
  onDone(n: Note): void;
  onCancel(): void;
}

type Fields = Record<string, string | boolean>;

const TEXT = ["name", "host", "username", "password", "client_id", "base_topic"];
const NUMBERS = ["port", "keepalive", "qos", "publish_timeout"];

/** The form's starting fields: the edited config, or VisionROI's defaults. */
export function initialFields(e: MqttView | null): Fields {
  return {
    name: e?.name ?? "",
    host: e?.host ?? "",
    port: String(e?.port ?? 1883),
    username: e?.username ?? "",
    password: "",
    client_id: e?.client_id ?? "",
    base_topic: e?.base_topic ?? "",
    keepalive: String(e?.keepalive ?? 60),
    qos: String(e?.qos ?? 0),
    publish_timeout: String(e?.publish_timeout ?? 5),
    retain: e?.retain ?? false,
    tls: e?.tls ?? false,
  };
}

/** The JSON body of the fields (numbers as numbers); a blank password keeps the stored one on edit. */
export function mqttBody(f: Fields, editing: boolean): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const k of TEXT) body[k] = String(f[k]);
  for (const k of NUMBERS) body[k] = Number(f[k]);
  body.retain = f.retain === true;
  body.tls = f.tls === true;
  if (!body.password && editing) delete body.password;
  return body;
}

/** The form. */
export function MqttForm({ editing, onDone, onCancel }: MqttFormProps) {
  const e = editing;
  const [f, setF] = useState<Fields>(() => initialFields(e));
  const text = (k: string, extra: Record<string, unknown> = {}) => ({
    name: k,
    value: String(f[k]),
    onInput: (ev: Event) =>
      setF((o) => ({ ...o, [k]: (ev.currentTarget as HTMLInputElement).value })),
    ...extra,
  });
  const check = (k: string) => ({
    name: k,
    type: "checkbox" as const,
    checked: f[k] === true,
    onChange: (ev: Event) =>
      setF((o) => ({ ...o, [k]: (ev.currentTarget as HTMLInputElement).checked })),
  });
  const submit = async (ev: Event) => {
    ev.preventDefault();
    const body = mqttBody(f, !!e);
    try {
      if (e) await api(`/mqtt_configs/${encodeURIComponent(e.name)}`, { method: "PUT", body });
      else await api("/mqtt_configs", { method: "POST", body });
      if (!e) setF(initialFields(null));
      onDone({ kind: "ok", text: `${e ? "Updated" : "Created"} "${body.name}".` });
    } catch (err) {
      onDone({ kind: "error", text: `Cannot save "${body.name}": ${errorText(err)}` });
    }
  };
  return (
    <form class="card" onSubmit={submit} aria-label="MQTT config">
      <h2>{e ? `Edit "${e.name}"` : "New MQTT config"}</h2>
      <div class="form-grid">
        <label>
          Name<input {...text("name", { required: true, readOnly: !!e })} />
        </label>
        <label>
          Host<input {...text("host", { required: true, placeholder: "broker.local" })} />
        </label>
        <label>
          Port<input {...text("port", { type: "number", min: 1, max: 65535 })} />
        </label>
        <label>
          Username<input {...text("username", { autoComplete: "off" })} />
        </label>
        <label>
          Password
          <input
            {...text("password", {
              type: "password",
              autoComplete: "new-password",
              placeholder: e?.has_password ? "unchanged" : "",
            })}
          />
        </label>
        <label>
          Client id<input {...text("client_id")} />
        </label>
        <label>
          Base topic<input {...text("base_topic", { placeholder: "visionroi" })} />
        </label>
        <label>
          Keepalive (s)<input {...text("keepalive", { type: "number", min: 1 })} />
        </label>
        <label>
          QoS
          <select
            {...text("qos")}
            onChange={(ev) => setF((o) => ({ ...o, qos: ev.currentTarget.value }))}
          >
            <option value="0">0</option>
            <option value="1">1</option>
            <option value="2">2</option>
          </select>
        </label>
        <label>
          Publish timeout (s)<input
            {...text("publish_timeout", { type: "number", min: 0.1, step: 0.1 })}
          />
        </label>
        <label class="check">
          <input {...check("retain")} />Retain
        </label>
        <label class="check">
          <input {...check("tls")} />TLS
        </label>
      </div>
      <p class="muted small">
        Each result is published on{" "}
        <code>&lt;base topic&gt;/&lt;source&gt;/&lt;group&gt;/&lt;ROI id&gt;</code>; the password is
        stored on the server and never shown again.
      </p>
      <div class="row">
        <button class="primary" type="submit">{e ? "Save changes" : "Create"}</button>
        {e && <button type="button" onClick={onCancel}>Cancel</button>}
      </div>
    </form>
  );
}
