/** A one-line progress bar on a terminal (stderr), redrawn in place. */

/** Renders `[#####.....]  50%  label` for a fraction 0..1. */
export function renderBar(fraction: number, label = "", width = 30): string {
  const f = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const full = Math.round(f * width);
  const pct = `${Math.floor(f * 100)}`.padStart(3);
  return `[${"#".repeat(full)}${".".repeat(width - full)}] ${pct}%  ${label}`;
}

/** Draws bars on stderr: each `draw` replaces the line; `done` ends it with a newline. */
export class ProgressBar {
  #enc = new TextEncoder();
  #last = "";

  /** Redraws the line (skipped when nothing changed). */
  draw(fraction: number, label = ""): void {
    const line = renderBar(fraction, label);
    if (line === this.#last) return;
    this.#last = line;
    Deno.stderr.writeSync(this.#enc.encode(`\r${line}\x1b[K`));
  }

  /** Ends the line. */
  done(): void {
    if (this.#last) Deno.stderr.writeSync(this.#enc.encode("\n"));
    this.#last = "";
  }
}

/** Bytes as `12.3 MB`. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let v = n / 1024, i = 0;
  while (v >= 1024 && i < units.length - 1) v /= 1024, i++;
  return `${v.toFixed(1)} ${units[i]}`;
}
