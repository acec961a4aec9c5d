/** A horizontal progress bar (0–100) with its percentage as text, for uploads and batch tasks. */

/** Props of {@linkcode BatchProgress}. */
export interface BatchProgressProps {
  /** Percent done, 0–100 (clamped). */
  value: number;
  /** Accessible name, such as "upload" or the task's name. */
  label: string;
  /** Colour by state: `ok` (completed), `bad` (failed), `muted` (cancelled); default accent. */
  tone?: "ok" | "bad" | "muted";
  /** Text after the percentage (for example bytes sent). */
  detail?: string;
}

/** The bar: `role=progressbar` with `aria-valuenow`, the fill as an inline width. */
export function BatchProgress({ value, label, tone, detail }: BatchProgressProps) {
  const pct = Math.max(0, Math.min(100, Math.round(value)));
  return (
    <div class="progress-line">
      <div
        class={`progress${tone ? ` ${tone}` : ""}`}
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={pct}
      >
        <span style={`width: ${pct}%`} />
      </div>
      <span class="small progress-text">{`${pct} %`}{detail ? ` · ${detail}` : ""}</span>
    </div>
  );
}
