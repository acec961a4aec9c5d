/** Assign an MQTT config to every ROI of a source and/or group at once (or take it off them). */
import { useEffect, useState } from "preact/hooks";
import { api, errorText } from "../stores/api.ts";
import { type Note, Notice } from "./Notice.tsx";

/** Props of {@linkcode MqttAssign}. */
export interface MqttAssignProps {
  /** Config names. */
  configs: string[];
  /** The last outcome, shown in the card. */
  note: Note;
  onDone(n: Note): void;
}

const ALL = "\u0000all";
const NONE = "\u0000none";

interface AssignAnswer {
  matched: number;
  changed: number;
  sources: Record<string, number>;
}

/** The card. */
export function MqttAssign({ configs, note, onDone }: MqttAssignProps) {
  const [config, setConfig] = useState(configs[0] ?? "");
  const [source, setSource] = useState(ALL);
  const [group, setGroup] = useState(ALL);
  const [sources, setSources] = useState<string[]>([]);
  const [groups, setGroups] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    api<{ name: string }[]>("/source_list").then((l) => setSources(l.map((s) => s.name)))
      .catch(() => setSources([]));
    api<string[]>("/groups").then(setGroups).catch(() => setGroups([]));
  }, []);
  useEffect(() => {
    if (!configs.includes(config)) setConfig(configs[0] ?? "");
  }, [configs.join("\u0000")]);
  const nothing = source === ALL && group === ALL;
  const run = async (clear: boolean) => {
    const body: Record<string, unknown> = {};
    if (source !== ALL) body.source = source;
    if (group !== ALL) body.group = group === NONE ? "" : group;
    if (clear) body.clear = true;
    setBusy(true);
    try {
      const r = await api<AssignAnswer>(
        `/mqtt_configs/${encodeURIComponent(config)}/assign`,
        { method: "POST", body },
      );
      const per = Object.entries(r.sources).map(([s, n]) => `${s}: ${n}`).join(", ");
      const verb = clear ? `Took "${config}" off` : `Assigned "${config}" to`;
      onDone({
        kind: "ok",
        text: `${verb} ${r.changed} of ${r.matched} matching ROIs${per ? ` (${per})` : ""}.` +
          (r.changed ? " Running jobs of these sources publish with it from now on." : ""),
      });
    } catch (err) {
      onDone({ kind: "error", text: `Cannot assign "${config}": ${errorText(err)}` });
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="card" id="mqtt-assign" aria-label="Assign to ROIs">
      <h2>Assign to many ROIs</h2>
      <Notice note={note} />
      <div class="form-grid">
        <label>
          Config
          <select name="config" value={config} onChange={(e) => setConfig(e.currentTarget.value)}>
            {configs.map((c) => <option key={c} value={c}>{c}</option>)}
          </select>
        </label>
        <label>
          Source
          <select name="source" value={source} onChange={(e) => setSource(e.currentTarget.value)}>
            <option value={ALL}>All sources</option>
            {sources.map((s) => <option key={s} value={s}>{s}</option>)}
          </select>
        </label>
        <label>
          Group
          <select name="group" value={group} onChange={(e) => setGroup(e.currentTarget.value)}>
            <option value={ALL}>All groups</option>
            <option value={NONE}>ROIs without a group</option>
            {groups.map((g) => <option key={g} value={g}>{g}</option>)}
          </select>
        </label>
        <div class="row">
          <button
            class="primary"
            type="button"
            disabled={busy || nothing || !config}
            onClick={() => run(false)}
          >
            Assign
          </button>
          <button type="button" disabled={busy || nothing || !config} onClick={() => run(true)}>
            Take off
          </button>
        </div>
      </div>
      <p class="muted small">
        {nothing
          ? "Pick a source, a group, or both: every ROI there gets this config."
          : "Every ROI of the chosen source and group gets this config (Take off: those that have it lose it). The ROI files are saved as the ROI editor saves them."}
      </p>
    </section>
  );
}
