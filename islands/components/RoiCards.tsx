/** A card per ROI of a job's newest result: crop, text, module and read time. */
import type { RoiResultEntry } from "../stores/types.ts";

/** Props of {@linkcode RoiCards}. */
export interface RoiCardsProps {
  results: RoiResultEntry[];
  /** Show only ROIs of this group (page mode: the detected page). */
  group?: string;
  /** What to say while there is no result ["No results yet."]. */
  empty?: string;
}

/** The cards. */
export function RoiCards({ results, group, empty = "No results yet." }: RoiCardsProps) {
  const shown = group ? results.filter((r) => r.group === group) : results;
  if (shown.length === 0) return <p class="muted small">{empty}</p>;
  return (
    <div class="roi-cards">
      {shown.map((r) => (
        <div class={r.error ? "roi-card error" : "roi-card"} key={r.id} data-roi={r.id}>
          <div class="spread small">
            <b>{r.name || `ROI ${r.id}`}</b>
            <span class="muted">{(r.duration * 1000).toFixed(0)} ms</span>
          </div>
          {r.image && <img src={`data:image/jpeg;base64,${r.image}`} alt={`crop of ${r.id}`} />}
          <div class="text">{r.error ? r.error : r.text || "–"}</div>
          <div class="muted small">{r.module}</div>
        </div>
      ))}
    </div>
  );
}
