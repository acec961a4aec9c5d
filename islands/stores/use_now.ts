/** `useNow`: the current time in seconds, re-rendering every `everyMs` (for ages and staleness). */
import { useEffect, useState } from "preact/hooks";

/** Epoch seconds, refreshed every `everyMs` while the component is shown. */
export function useNow(everyMs = 1_000): number {
  const [now, setNow] = useState(() => Date.now() / 1000);
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now() / 1000), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}
