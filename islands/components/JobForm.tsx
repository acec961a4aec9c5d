/** A job panel's settings: source, group (group mode), interval and result timeout. */
import { useEffect, useState } from "preact/hooks";
import { api, errorText } from "../stores/api.ts";
import type { PanelSettings } from "../stores/panel_settings.ts";
import type { RoiItem, SourceRow } from "../stores/types.ts";
import { DraftInput } from "./DraftInput.tsx";

/** Props of {@linkcode JobForm}. */
export interface JobFormProps {
  camId: string;
  mode: "group" | "page";
  sources: SourceRow[];
  value: PanelSettings;
  disabled: boolean;
  onChange(s: PanelSettings): void;
}

/** The groups of a source's saved ROIs. */
function useGroups(source: string): { groups: string[]; pages: number; error?: string } {
  const [state, setState] = useState<{ groups: string[]; pages: number; error?: string }>({
    groups: [],
    pages: 0,
  });
  useEffect(() => {
    if (!source) return;
    api<{ rois: RoiItem[] }>(`/load_roi/${encodeURIComponent(source)}`).then(
      (d) => {
        const rois = d.rois.filter((r) => (r.type ?? "roi") === "roi");
        setState({
          groups: [...new Set(rois.map((r) => r.group || "").filter(Boolean) as string[])].sort(),
          pages: d.rois.filter((r) => r.type === "page").length,
        });
      },
      (err) => setState({ groups: [], pages: 0, error: errorText(err) }),
    );
  }, [source]);
  return state;
}

/** The form. */
export function JobForm({ camId, mode, sources, value, disabled, onChange }: JobFormProps) {
  const g = useGroups(value.source);
  const set = (p: Partial<PanelSettings>) => onChange({ ...value, ...p });
  return (
    <div class="stack">
      <div class="form-grid">
        <label>
          Source
          <select
            name={`source-${camId}`}
            value={value.source}
            disabled={disabled}
            onChange={(e) => set({ source: e.currentTarget.value })}
          >
            <option value="">— choose —</option>
            {sources.map((s) => <option key={s.name} value={s.name}>{s.name}</option>)}
          </select>
        </label>
        {mode === "group" && (
          <label>
            Group
            <select
              name={`group-${camId}`}
              value={value.group}
              disabled={disabled}
              onChange={(e) => set({ group: e.currentTarget.value })}
            >
              <option value="all">All</option>
              {g.groups.map((x) => <option key={x} value={x}>{x}</option>)}
            </select>
          </label>
        )}
        <label>
          Interval (s)
          <DraftInput
            type="number"
            name={`interval-${camId}`}
            min={0}
            step={0.1}
            value={String(value.interval)}
            disabled={disabled}
            onCommit={(v) => set({ interval: Number(v) })}
          />
        </label>
        <label>
          Result timeout (s)
          <DraftInput
            type="number"
            name={`timeout-${camId}`}
            min={0.1}
            step={0.5}
            value={String(value.result_timeout)}
            disabled={disabled}
            onCommit={(v) => set({ result_timeout: Number(v) })}
          />
        </label>
      </div>
      {g.error && <p class="notice error">{g.error}</p>}
      {mode === "page" && value.source && g.pages === 0 && !g.error && (
        <p class="notice">
          This source has no page templates: draw page rectangles on the ROI editor, or every ROI is
          read.
        </p>
      )}
    </div>
  );
}
