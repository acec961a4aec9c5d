/**
 * `prevaluesOf(source)`: the PreValues and last plausibility status of a source's ROIs
 * (`/api/rois/<source>/prevalues`), polled every 2 s while the editor shows them; and
 * `setPreValue`, the editor's "Set PreValue".
 */
import { atom } from "nanostores";
import { api } from "./api.ts";
import { type Polled, type PolledStore, polledStore } from "./polled.ts";
import type { PreValueView } from "./types.ts";

/** The route's answer. */
export interface PreValueList {
  source: string;
  rois: PreValueView[];
}

/** What the editor shows before a source is picked. */
export const $noPrevalues = atom<Polled<PreValueList>>({
  data: undefined,
  error: undefined,
  missing: false,
  loadedAt: 0,
});

const stores = new Map<string, PolledStore<PreValueList>>();

/** The polled store of one source (one per source, shared). */
export function prevaluesOf(source: string): PolledStore<PreValueList> {
  let s = stores.get(source);
  if (!s) {
    s = polledStore<PreValueList>(`/api/rois/${encodeURIComponent(source)}/prevalues`, 2000);
    stores.set(source, s);
  }
  return s;
}

/** Sets a ROI's PreValue (`value` as typed: the numeric parse rule reads it); refreshes the store. */
export async function setPreValue(source: string, roiId: string, value: string): Promise<void> {
  const path = `/api/rois/${encodeURIComponent(source)}/${encodeURIComponent(roiId)}/prevalue`;
  await api(path, { method: "POST", body: { value } });
  await prevaluesOf(source).refresh();
}
