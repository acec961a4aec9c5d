/** The tail of a source's result log (`/read_log`), newest first, polled every 2 s. */
import { useEffect, useState } from "preact/hooks";
import { api, errorText } from "../stores/api.ts";

/** One log line as "time  id=text, …" (AGGREGATED_ROI lines), else the raw line. */
export function summarise(line: string): string {
  const m = /^(\S+) - \w+ - AGGREGATED_ROI (\{.*\})$/.exec(line);
  if (!m) return line;
  try {
    const r = JSON.parse(m[2]) as { results?: { id: string; text: string; error?: string }[] };
    // Multi-line OCR text stays on its line: a line break shows as " ⏎ ".
    const oneLine = (t: string) => String(t ?? "").replace(/\s*[\r\n]+\s*/g, " ⏎ ");
    const parts = (r.results ?? []).map((e) => `${e.id}=${e.error ? "error" : oneLine(e.text)}`);
    return `${m[1].slice(11, 19)}  ${parts.join(", ")}`;
  } catch (err) {
    return `${line} (${errorText(err)})`;
  }
}

/** The log panel of `source`. */
export function LogTail({ source }: { source: string }) {
  const [lines, setLines] = useState<string[]>([]);
  const [error, setError] = useState<string>();
  useEffect(() => {
    let live = true;
    const read = () =>
      api<{ lines: string[] }>(`/read_log?source=${encodeURIComponent(source)}&lines=15`).then(
        (d) => live && (setLines(d.lines.map(summarise).reverse()), setError(undefined)),
        (err) => live && setError(errorText(err)),
      );
    void read();
    const t = setInterval(read, 2_000);
    return () => {
      live = false;
      clearInterval(t);
    };
  }, [source]);
  return (
    <details open>
      <summary class="small">Log ({source})</summary>
      {error && <p class="notice error">{error}</p>}
      <pre class="log">{lines.length ? lines.join("\n") : "(empty)"}</pre>
    </details>
  );
}
