/** The one-line summary of a detection list. */

/** "person×2, car": labels by count (then name), a count shown only above one. */
export function detectionsText(labels: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([l, n]) => (n > 1 ? `${l}×${n}` : l))
    .join(", ");
}
