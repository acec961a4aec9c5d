/**
 * The MQTT config form: create (POST) or edit (PUT; a blank password keeps the stored one). Every
 * field the server stores: broker and login, publishing (QoS, retain, keepalive, publish timeout,
 * outbox size), Home Assistant discovery and control topics, TLS with files from `certs/`.
 */
import { useState } from "preact/hooks";
import { api, errorText } from "../stores/api.ts";
import type { MqttView } from "../stores/types.ts";
import { type Note, Notice } from "./Notice.tsx";

/** Props of {@linkcode MqttForm}. */
export interface MqttFormProps {
  editing: MqttView | null;
  /** Files under `<data dir>/certs/` (`certs/ca.pem`), for the TLS file choices. */
  certs: string[];
  onDone(n: Note): void;
  onCancel(): void;
}

type Fields = Record<string, string | boolean>;

const TEXT = [
  "name",
  "host",
  "username",
  "password",
  "client_id",
  "base_topic",
  "ha_prefix",
  "tls_ca_file",
  "tls_cert_file",
  "tls_key_file",
];
const NUMBERS = ["port", "keepalive", "qos", "publish_timeout", "outbox_size"];
const FLAGS = ["retain", "tls", "tls_insecure", "ha_discovery", "control"];

/** The form's starting fields: the edited config, or the server's defaults. */
export function initialFields(e: MqttView | null): Fields {
  const s = (k: string, d: string) => (typeof e?.[k] === "string" ? e[k] as string : d);
  const n = (k: string, d: number) => String(typeof e?.[k] === "number" ? e[k] : d);
  const b = (k: string, d: boolean) => (typeof e?.[k] === "boolean" ? e[k] as boolean : d);
  return {
    name: s("name", ""),
    host: s("host", ""),
    port: n("port", 1883),
    username: s("username", ""),
    password: "",
    client_id: s("client_id", ""),
    base_topic: s("base_topic", ""),
    keepalive: n("keepalive", 60),
    qos: n("qos", 0),
    publish_timeout: n("publish_timeout", 5),
    outbox_size: n("outbox_size", 10_000),
    retain: b("retain", false),
    tls: b("tls", false),
    tls_ca_file: s("tls_ca_file", ""),
    tls_cert_file: s("tls_cert_file", ""),
    tls_key_file: s("tls_key_file", ""),
    tls_insecure: b("tls_insecure", false),
    ha_discovery: b("ha_discovery", false),
    ha_prefix: s("ha_prefix", "homeassistant"),
    control: b("control", true),
  };
}

/** The JSON body of the fields (numbers as numbers); a blank password keeps the stored one on edit. */
export function mqttBody(f: Fields, editing: boolean): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const k of TEXT) body[k] = String(f[k] ?? "");
  for (const k of NUMBERS) body[k] = Number(f[k]);
  for (const k of FLAGS) body[k] = f[k] === true;
  if (!body.password && editing) delete body.password;
  return body;
}

/** A TLS file choice: "" (none), a file of `certs/`, or the stored path when it lies elsewhere. */
function FileSelect(
  { name, label, none, value, certs, set }: {
    name: string;
    label: string;
    none: string;
    value: string;
    certs: string[];
    set(v: string): void;
  },
) {
  const choices = value && !certs.includes(value) ? [value, ...certs] : certs;
  return (
    <label>
      {label}
      <select name={name} value={value} onChange={(ev) => set(ev.currentTarget.value)}>
        <option value="">{none}</option>
        {choices.map((c) => <option key={c} value={c}>{c}</option>)}
      </select>
    </label>
  );
}

/** The form. */
export function MqttForm({ editing, certs, onDone, onCancel }: MqttFormProps) {
  const e = editing;
  const [f, setF] = useState<Fields>(() => initialFields(e));
  const [testNote, setTestNote] = useState<Note>(null);
  const [testing, setTesting] = useState(false);
  const put = (k: string, v: string | boolean) => setF((o) => ({ ...o, [k]: v }));
  const text = (k: string, extra: Record<string, unknown> = {}) => ({
    name: k,
    value: String(f[k]),
    onInput: (ev: Event) => put(k, (ev.currentTarget as HTMLInputElement).value),
    ...extra,
  });
  const check = (k: string) => ({
    name: k,
    type: "checkbox" as const,
    checked: f[k] === true,
    onChange: (ev: Event) => put(k, (ev.currentTarget as HTMLInputElement).checked),
  });
  const submit = async (ev: Event) => {
    ev.preventDefault();
    const body = mqttBody(f, !!e);
    try {
      if (e) await api(`/mqtt_configs/${encodeURIComponent(e.name)}`, { method: "PUT", body });
      else await api("/mqtt_configs", { method: "POST", body });
      if (!e) setF(initialFields(null));
      setTestNote(null);
      onDone({ kind: "ok", text: `${e ? "Updated" : "Created"} "${body.name}".` });
    } catch (err) {
      onDone({ kind: "error", text: `Cannot save "${body.name}": ${errorText(err)}` });
    }
  };
  // The settings as typed, before saving: a separate test client, nothing stored.
  const testForm = async () => {
    setTesting(true);
    setTestNote({ kind: "info", text: "Testing these settings…" });
    try {
      const r = await api<{ broker: string; ms: number }>("/mqtt_configs/test", {
        method: "POST",
        body: mqttBody(f, !!e),
      });
      setTestNote({
        kind: "ok",
        text: `${r.broker} accepted these settings in ${r.ms} ms (a test connection; ` +
          `nothing saved yet).`,
      });
    } catch (err) {
      setTestNote({ kind: "error", text: `Test failed: ${errorText(err)}` });
    } finally {
      setTesting(false);
    }
  };
  const base = String(f.base_topic) || "<base topic>";
  return (
    <form class="card" onSubmit={submit} aria-label="MQTT config">
      <h2>{e ? `Edit "${e.name}"` : "New MQTT config"}</h2>
      <fieldset class="form-section">
        <legend>Broker</legend>
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
            Client id<input {...text("client_id", { placeholder: "random" })} />
          </label>
          <label>
            Keepalive (s)<input {...text("keepalive", { type: "number", min: 1 })} />
          </label>
        </div>
      </fieldset>
      <fieldset class="form-section">
        <legend>Publishing</legend>
        <div class="form-grid">
          <label>
            Base topic<input {...text("base_topic", { placeholder: "visionroi" })} />
          </label>
          <label>
            QoS
            <select {...text("qos")} onChange={(ev) => put("qos", ev.currentTarget.value)}>
              <option value="0">0</option>
              <option value="1">1</option>
              <option value="2">2</option>
            </select>
          </label>
          <label title="A QoS 1/2 message unacknowledged this long resets the connection">
            Publish timeout (s)<input
              {...text("publish_timeout", { type: "number", min: 0.1, step: 0.1 })}
            />
          </label>
          <label title="Messages kept while the broker is away; beyond it the oldest are dropped">
            Outbox size<input
              {...text("outbox_size", { type: "number", min: 1, max: 1_000_000, step: 1 })}
            />
          </label>
          <label class="check">
            <input {...check("retain")} />Retain
          </label>
        </div>
        <p class="muted small">
          Each result is published on <code>{`${base}/<source>/<group>/<ROI id>`}</code>;{" "}
          <code>{`${base}/status`}</code> says <code>online</code> or{" "}
          <code>offline</code>. The password is stored on the server and never shown again.
        </p>
      </fieldset>
      <fieldset class="form-section">
        <legend>Home Assistant and control</legend>
        <div class="form-grid">
          <label class="check">
            <input {...check("ha_discovery")} />Home Assistant discovery
          </label>
          <label>
            Discovery prefix<input
              {...text("ha_prefix", {
                placeholder: "homeassistant",
                disabled: f.ha_discovery !== true,
              })}
            />
          </label>
          <label class="check">
            <input {...check("control")} />Accept commands
          </label>
        </div>
        <p class="muted small">
          Discovery announces a device per camera and a sensor per ROI under the prefix. Commands:
          {" "}
          <code>{`${base}/<cam_id>/set`}</code> takes <code>{`{"command": "start"}`}</code>,{" "}
          <code>stop</code> or <code>{`{"interval": s}`}</code>.
        </p>
      </fieldset>
      <fieldset class="form-section">
        <legend>TLS</legend>
        <div class="form-grid">
          <label class="check">
            <input {...check("tls")} />Use TLS (mqtts)
          </label>
          {f.tls === true && (
            <>
              <FileSelect
                name="tls_ca_file"
                label="CA certificate"
                none="System CAs"
                value={String(f.tls_ca_file)}
                certs={certs}
                set={(v) => put("tls_ca_file", v)}
              />
              <FileSelect
                name="tls_cert_file"
                label="Client certificate"
                none="None"
                value={String(f.tls_cert_file)}
                certs={certs}
                set={(v) => put("tls_cert_file", v)}
              />
              <FileSelect
                name="tls_key_file"
                label="Client key"
                none="None"
                value={String(f.tls_key_file)}
                certs={certs}
                set={(v) => put("tls_key_file", v)}
              />
              <label class="check">
                <input {...check("tls_insecure")} />Skip certificate checks
              </label>
            </>
          )}
        </div>
        {f.tls === true && f.tls_insecure === true && (
          <p class="notice error" role="alert">
            Certificate checks are off: anyone on the network path can pose as the broker and read
            the login and every result. Use this only with a test broker.
          </p>
        )}
        {f.tls === true && (
          <p class="muted small">
            {certs.length === 0
              ? "No files yet: put PEM files in the data dir's certs/ folder (data_sources/certs/) and reload this page."
              : "Files come from the data dir's certs/ folder (PEM); reload after adding one."}
          </p>
        )}
      </fieldset>
      <Notice note={testNote} />
      <div class="row">
        <button class="primary" type="submit">{e ? "Save changes" : "Create"}</button>
        <button type="button" disabled={testing} onClick={() => void testForm()}>
          {testing ? "Testing…" : "Test these settings"}
        </button>
        {e && <button type="button" onClick={onCancel}>Cancel</button>}
      </div>
    </form>
  );
}
