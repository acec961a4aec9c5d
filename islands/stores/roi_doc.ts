/**
 * The ROI list being edited: loaded from `/load_roi/<source>`, changed through an undo history,
 * saved to `/save_roi` 600 ms after the last change (one save in flight at a time), with the
 * save state (and the server's error message) for the page to show.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { api, errorText } from "./api.ts";
import * as hist from "./roi_history.ts";
import type { RoiItem } from "./types.ts";

/** Where saving stands. */
export type SaveState =
  | { kind: "idle" | "pending" | "saving" | "saved" }
  | { kind: "error"; message: string }
  | { kind: "loading" };

/** The document and its operations. */
export interface RoiDoc {
  history: hist.History;
  save: SaveState;
  loadError: string | undefined;
  commit(next: RoiItem[], before?: RoiItem[]): void;
  preview(next: RoiItem[]): void;
  undo(): void;
  redo(): void;
}

/** Milliseconds between the last change and its save. */
export const SAVE_DELAY_MS = 600;

/** Loads and edits the ROIs of `source`. */
export function useRoiDoc(source: string): RoiDoc {
  const [history, setHistory] = useState(hist.fresh([]));
  const [save, setSave] = useState<SaveState>({ kind: "idle" });
  const [loadError, setLoadError] = useState<string | undefined>();
  const dirty = useRef<RoiItem[] | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  useEffect(() => {
    if (!source) return;
    setSave({ kind: "loading" });
    setLoadError(undefined);
    api<{ rois: RoiItem[] }>(`/load_roi/${encodeURIComponent(source)}`).then(
      (d) => {
        setHistory(hist.fresh(d.rois.map((r) => ({ ...r, id: String(r.id) }))));
        setSave({ kind: "idle" });
      },
      (err) => {
        setLoadError(errorText(err));
        setSave({ kind: "idle" });
      },
    );
  }, [source]);

  const busy = useRef(false);
  const flush = async (keepalive = false): Promise<void> => {
    const rois = dirty.current;
    if (!rois || busy.current) return;
    dirty.current = null;
    busy.current = true;
    setSave({ kind: "saving" });
    try {
      await api("/save_roi", { method: "POST", body: { source, rois }, keepalive });
      setSave(dirty.current ? { kind: "pending" } : { kind: "saved" });
    } catch (err) {
      setSave({ kind: "error", message: errorText(err) });
    } finally {
      busy.current = false;
    }
    // A change made while this save was in flight goes out next, in order.
    if (dirty.current) await flush(keepalive);
  };

  useEffect(() => {
    const onHide = () => void flush(true);
    addEventListener("pagehide", onHide);
    return () => removeEventListener("pagehide", onHide);
  });

  const schedule = (rois: RoiItem[]) => {
    dirty.current = rois;
    setSave({ kind: "pending" });
    clearTimeout(timer.current);
    timer.current = setTimeout(() => void flush(), SAVE_DELAY_MS);
  };
  const change = (fn: (h: hist.History) => hist.History) => {
    const next = fn(history);
    setHistory(next);
    if (next !== history) schedule(next.present);
  };
  return {
    history,
    save,
    loadError,
    commit: (next, before) => change((h) => hist.commit(h, next, before)),
    preview: (next) => setHistory((h) => hist.preview(h, next)),
    undo: () => change(hist.undo),
    redo: () => change(hist.redo),
  };
}
