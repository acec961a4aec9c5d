/** The webhook form: create (POST) or edit (PUT; a blank secret keeps the stored one). */
import { useState } from "preact/hooks";
import { api, errorText } from "../stores/api.ts";
import type { WebhookView } from "../stores/types.ts";
import type { Note } from "./Notice.tsx";

/** Props of {@linkcode WebhookForm}. */
export interface WebhookFormProps {
  editing: WebhookView | null;
  onDone(n: Note): void;
  onCancel(): void;
}

type Fields = Record<string, string | boolean>;

const LISTS = ["sources", "cam_ids", "rois"] as const;
const NUMBERS = ["timeout_s", "retry_initial_s", "retry_max_s", "queue_size"] as const;

/** The form's starting fields: the edited hook, or the server's defaults. */
export function initialFields(e: WebhookView | null): Fields {
  return {
    name: e?.name ?? "",
    url: e?.url ?? "",
    secret: "",
    enabled: e?.enabled ?? true,
    when: e?.when ?? "changed",
    pattern: e?.pattern ?? "",
    sources: e?.sources.join(", ") ?? "",
    cam_ids: e?.cam_ids.join(", ") ?? "",
    rois: e?.rois.join(", ") ?? "",
    body: e ? JSON.stringify(e.body, null, 2) : "",
    timeout_s: String(e?.timeout_s ?? 5),
    retry_initial_s: String(e?.retry_initial_s ?? 1),
    retry_max_s: String(e?.retry_max_s ?? 60),
    queue_size: String(e?.queue_size ?? 1000),
  };
}

/** The JSON body of the fields; a blank secret keeps the stored one on edit, a blank template the default. */
export function webhookBody(f: Fields, editing: boolean): Record<string, unknown> {
  const body: Record<string, unknown> = {
    name: String(f.name).trim(),
    url: String(f.url).trim(),
    enabled: f.enabled === true,
    when: f.when,
    pattern: String(f.pattern),
  };
  for (const k of LISTS) {
    body[k] = String(f[k]).split(",").map((s) => s.trim()).filter(Boolean);
  }
  for (const k of NUMBERS) body[k] = Number(f[k]);
  if (String(f.secret) !== "" || !editing) body.secret = String(f.secret);
  const template = String(f.body).trim();
  // The server names the field when the template is not JSON: send it as text then.
  if (template) {
    try {
      body.body = JSON.parse(template);
    } catch {
      body.body = template;
    }
  }
  return body;
}

/** The form. */
export function WebhookForm({ editing, onDone, onCancel }: WebhookFormProps) {
  const e = editing;
  const [f, setF] = useState<Fields>(() => initialFields(e));
  const text = (k: string, extra: Record<string, unknown> = {}) => ({
    name: k,
    value: String(f[k]),
    onInput: (ev: Event) =>
      setF((o) => ({ ...o, [k]: (ev.currentTarget as HTMLInputElement).value })),
    ...extra,
  });
  const submit = async (ev: Event) => {
    ev.preventDefault();
    const body = webhookBody(f, !!e);
    try {
      if (e) await api(`/api/webhooks/${encodeURIComponent(e.name)}`, { method: "PUT", body });
      else await api("/api/webhooks", { method: "POST", body });
      if (!e) setF(initialFields(null));
      onDone({ kind: "ok", text: `${e ? "Updated" : "Created"} "${body.name}".` });
    } catch (err) {
      onDone({ kind: "error", text: `Cannot save "${body.name}": ${errorText(err)}` });
    }
  };
  return (
    <form class="card" onSubmit={submit} aria-label="Webhook">
      <h2>{e ? `Edit "${e.name}"` : "New webhook"}</h2>
      <div class="form-grid">
        <label>
          Name<input {...text("name", { required: true, readOnly: !!e })} />
        </label>
        <label>
          URL<input
            {...text("url", { required: true, placeholder: "http(s) URL of the receiver" })}
          />
        </label>
        <label>
          Secret
          <input
            {...text("secret", {
              type: "password",
              autoComplete: "new-password",
              placeholder: e?.has_secret ? "unchanged" : "none: unsigned",
            })}
          />
        </label>
        <label>
          Fires on
          <select
            {...text("when")}
            onChange={(ev) => setF((o) => ({ ...o, when: ev.currentTarget.value }))}
          >
            <option value="changed">changed text</option>
            <option value="every">every reading</option>
            <option value="match">text matches the pattern</option>
            <option value="rejected">rejected reading</option>
          </select>
        </label>
        {f.when === "match" && (
          <label>
            Pattern<input {...text("pattern", { placeholder: "^ALARM", maxLength: 200 })} />
          </label>
        )}
        <label>
          Sources<input {...text("sources", { placeholder: "all" })} />
        </label>
        <label>
          cam_ids<input {...text("cam_ids", { placeholder: "all" })} />
        </label>
        <label>
          ROI ids<input {...text("rois", { placeholder: "all" })} />
        </label>
        <label>
          Timeout (s)<input {...text("timeout_s", { type: "number", min: 0.1, step: 0.1 })} />
        </label>
        <label>
          First retry (s)
          <input {...text("retry_initial_s", { type: "number", min: 0.1, step: 0.1 })} />
        </label>
        <label>
          Longest retry (s)
          <input {...text("retry_max_s", { type: "number", min: 0.1, step: 0.1 })} />
        </label>
        <label>
          Queue size<input {...text("queue_size", { type: "number", min: 1, max: 100000 })} />
        </label>
        <label class="check">
          <input
            name="enabled"
            type="checkbox"
            checked={f.enabled === true}
            onChange={(ev) => setF((o) => ({ ...o, enabled: ev.currentTarget.checked }))}
          />Enabled
        </label>
      </div>
      <label>
        Body template (JSON; blank: every field)
        <textarea
          {...text("body", { rows: 6, class: "mono", placeholder: '{"meter": "{{value}}"}' })}
        />
      </label>
      <p class="muted small">
        Placeholders: <code>{"{{text}}"}</code>, <code>{"{{value}}"}</code>,{" "}
        <code>{"{{roi_id}}"}</code>, <code>{"{{roi_name}}"}</code>, <code>{"{{source}}"}</code>,
        {" "}
        <code>{"{{cam_id}}"}</code>, <code>{"{{frame_time}}"}</code>, <code>{"{{status}}"}</code>,
        {" "}
        <code>{"{{reason}}"}</code> and more (see the README). With a secret, each POST carries{" "}
        <code>X-VisionROI-Signature: sha256=…</code>{" "}
        (HMAC of the body); the secret is never shown again.
      </p>
      <div class="row">
        <button class="primary" type="submit">{e ? "Save changes" : "Create"}</button>
        {e && <button type="button" onClick={onCancel}>Cancel</button>}
      </div>
    </form>
  );
}
