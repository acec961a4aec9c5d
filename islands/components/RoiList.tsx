/** The list of ROIs and pages of the source, with the last Test reading of each. */
import type { RoiItem } from "../stores/types.ts";

/** Props of {@linkcode RoiList}. */
export interface RoiListProps {
  rois: RoiItem[];
  selected: string | null;
  readings: Record<string, string>;
  onSelect(id: string): void;
}

/** The list (click selects). */
export function RoiList({ rois, selected, readings, onSelect }: RoiListProps) {
  if (rois.length === 0) return <p class="muted">No ROIs yet: draw one on the frame.</p>;
  return (
    <ul class="roi-list" role="listbox" aria-label="ROIs">
      {rois.map((r) => {
        const id = String(r.id);
        const label = r.type === "page"
          ? `page ${r.page ?? ""}`
          : (r.name || r.module || "no module");
        return (
          <li
            key={id}
            role="option"
            aria-selected={id === selected}
            data-roi={id}
            onClick={() => onSelect(id)}
          >
            <span>
              <b class="mono">{id}</b> <span class="muted small">{label}</span>
            </span>
            {readings[id] !== undefined && <span class="read">{readings[id]}</span>}
          </li>
        );
      })}
    </ul>
  );
}
