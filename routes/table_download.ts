/** Streams rows as a CSV or JSON download, a page at a time, so a long result never sits in memory whole. */
import { stringify } from "csv-stringify/sync";

/** How rows are answered. */
export type TableFormat = "csv" | "json";

/** Rows per chunk of the answer. */
const PAGE = 1000;

/**
 * A Response streaming `rows` (read lazily) as CSV with a header line (`columns` order), or as
 * `{...head, rows: [...]}` JSON. `filename` names the attachment (without extension).
 */
export function tableResponse<T extends object>(
  rows: Iterator<T>,
  opts: { format: TableFormat; columns: (keyof T & string)[]; filename: string; head?: object },
): Response {
  const { format, columns, filename } = opts;
  const enc = new TextEncoder();
  let first = true;
  let ended = false;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (ended) return;
      const page: T[] = [];
      for (let r = rows.next(); !r.done; r = rows.next()) {
        page.push(r.value);
        if (page.length >= PAGE) break;
      }
      const last = page.length < PAGE;
      let text: string;
      if (format === "csv") {
        text = stringify(page.map((row) => columns.map((c) => (row[c] as unknown) ?? "")), {
          header: first,
          columns,
        });
      } else {
        const items = page.map((row) => JSON.stringify(row)).join(",");
        const open = first ? JSON.stringify(opts.head ?? {}).slice(0, -1) : "";
        const sep = first ? `${open === "{" ? "{" : open + ","}"rows":[` : page.length ? "," : "";
        text = sep + items + (last ? "]}" : "");
      }
      first = false;
      if (text) controller.enqueue(enc.encode(text));
      if (last) {
        ended = true;
        controller.close();
      }
    },
    cancel() {
      rows.return?.();
    },
  });
  const type = format === "csv" ? "text/csv; charset=utf-8" : "application/json";
  return new Response(body, {
    headers: {
      "content-type": type,
      "content-disposition": `attachment; filename="${filename}.${format}"`,
    },
  });
}
