/** The selected entry's fields: an ROI's id, name, group, module (+ its settings), MQTT config, save-crops and plausibility rules; a page's name and template. */
import type { JsonSchema, ModuleInfo, MqttView, PreValueView, RoiItem } from "../stores/types.ts";
import { RoiRules } from "./RoiRules.tsx";
import { SchemaFields } from "./SchemaFields.tsx";
import { DraftInput } from "./DraftInput.tsx";

/** Props of {@linkcode RoiForm}. */
export interface RoiFormProps {
  roi: RoiItem;
  modules: ModuleInfo[];
  /** MQTT configs; undefined when the server has no MQTT routes. */
  mqtt: MqttView[] | undefined;
  groups: string[];
  onChange(patch: Partial<RoiItem>): void;
  onDelete(): void;
  onCapture(): void;
  /** The rules' JSON Schema (a page prop); without it the rules section is not shown. */
  rulesSchema?: JsonSchema;
  /** The ROI's PreValue and last status. */
  prevalue?: PreValueView;
  /** Sets the ROI's PreValue; rejects with the server's message. */
  onSetPreValue?(value: string): Promise<void>;
}

type Change = (patch: Partial<RoiItem>) => void;

function Text(
  { label, value, onChange, name }: {
    label: string;
    value: string;
    name: string;
    onChange(v: string): void;
  },
) {
  return (
    <label>
      {label}
      <DraftInput
        name={name}
        value={value}
        list={name === "group" ? "roi-groups" : undefined}
        onCommit={onChange}
      />
    </label>
  );
}

/** id, name (page name for a page) and group. */
function NameFields(
  { roi, groups, onChange }: { roi: RoiItem; groups: string[]; onChange: Change },
) {
  const isPage = roi.type === "page";
  return (
    <div class="form-grid">
      <Text name="id" label="ID" value={String(roi.id)} onChange={(v) => onChange({ id: v })} />
      {isPage
        ? (
          <Text
            name="page"
            label="Page name"
            value={roi.page ?? ""}
            onChange={(v) => onChange({ page: v, name: v })}
          />
        )
        : (
          <Text
            name="name"
            label="Name"
            value={roi.name ?? ""}
            onChange={(v) => onChange({ name: v })}
          />
        )}
      {!isPage && (
        <Text
          name="group"
          label="Group"
          value={roi.group ?? ""}
          onChange={(v) => onChange({ group: v })}
        />
      )}
      <datalist id="roi-groups">{groups.map((g) => <option key={g} value={g} />)}</datalist>
    </div>
  );
}

/** A page's template image and the button that re-captures it. */
function PageTemplate({ roi, onCapture }: { roi: RoiItem; onCapture(): void }) {
  return (
    <div class="stack">
      {roi.image
        ? <img class="thumb" alt="page template" src={`data:image/jpeg;base64,${roi.image}`} />
        : <p class="notice error">No template yet: capture one.</p>}
      <button type="button" onClick={onCapture}>Capture template from the current frame</button>
    </div>
  );
}

/** An ROI's module with its generated settings, MQTT config and save-crops flag. */
function ModuleFields(
  { roi, modules, mqtt, onChange }: Pick<RoiFormProps, "roi" | "modules" | "mqtt"> & {
    onChange: Change;
  },
) {
  const mod = modules.find((m) => m.name === roi.module);
  return (
    <>
      <label>
        Module
        <select
          name="module"
          value={roi.module ?? ""}
          onChange={(e) => onChange({ module: e.currentTarget.value, params: undefined })}
        >
          <option value="">— none (not read) —</option>
          {modules.map((m) => <option key={m.name} value={m.name}>{m.name}</option>)}
        </select>
      </label>
      {mod && <p class="muted small">{mod.description}</p>}
      {mod && (
        <SchemaFields
          schema={mod.params_schema}
          values={roi.params ?? {}}
          onChange={(params) => onChange({ params })}
        />
      )}
      <label>
        MQTT config
        {mqtt
          ? (
            <select
              name="mqtt_config"
              value={roi.mqtt_config ?? ""}
              onChange={(e) => onChange({ mqtt_config: e.currentTarget.value })}
            >
              <option value="">— don't publish —</option>
              {mqtt.map((m) => <option key={m.name} value={m.name}>{m.name}</option>)}
            </select>
          )
          : (
            <DraftInput
              name="mqtt_config"
              value={roi.mqtt_config ?? ""}
              onCommit={(v) => onChange({ mqtt_config: v })}
            />
          )}
      </label>
      <label class="check">
        <input
          type="checkbox"
          name="save_crop"
          checked={roi.save_crop === true}
          onChange={(e) => onChange({ save_crop: e.currentTarget.checked })}
        />
        Save crops
      </label>
      <label
        class="check"
        title="While the crop looks the same as when it was last read, its reading is reused (marked cached) instead of read again; read for real at least every 10 s"
      >
        <input
          type="checkbox"
          name="skip_unchanged"
          checked={roi.skip_unchanged === true}
          onChange={(e) => onChange({ skip_unchanged: e.currentTarget.checked })}
        />
        Skip unchanged crops
      </label>
    </>
  );
}

/** The form. */
export function RoiForm(p: RoiFormProps) {
  return (
    <div class="stack" aria-label="Selected ROI">
      <NameFields roi={p.roi} groups={p.groups} onChange={p.onChange} />
      {p.roi.type === "page"
        ? <PageTemplate roi={p.roi} onCapture={p.onCapture} />
        : <ModuleFields roi={p.roi} modules={p.modules} mqtt={p.mqtt} onChange={p.onChange} />}
      {p.roi.type !== "page" && p.rulesSchema && p.onSetPreValue && (
        <RoiRules
          schema={p.rulesSchema}
          rules={p.roi.rules as Record<string, unknown> | null | undefined}
          prevalue={p.prevalue}
          onChange={(rules) => p.onChange({ rules })}
          onSetPreValue={p.onSetPreValue}
        />
      )}
      <button type="button" class="danger" onClick={p.onDelete}>Delete</button>
    </div>
  );
}
