/** What each benchmark file returns to `bench/run.ts`, which writes bench/RESULTS.md and RESULTS.json. */
export interface BenchSection {
  /** Heading in RESULTS.md. */
  title: string;
  /** Markdown body: tables of medians and ratios, and what else was running. */
  markdown: string;
  /** The raw figures, written to RESULTS.json under the title. */
  data: unknown;
}

/** Median of a list of numbers (NaN when empty). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** The p-th percentile (0..100), nearest rank. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const rank = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[rank];
}
