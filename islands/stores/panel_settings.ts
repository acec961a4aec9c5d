/** Per-panel job settings remembered in localStorage, and the list of panels the user opened. */

/** What a job panel starts a job with. */
export interface PanelSettings {
  source: string;
  /** Group mode: a group name or "all". */
  group: string;
  interval: number;
  result_timeout: number;
}

/** Defaults of a new panel. */
export const DEFAULT_SETTINGS: PanelSettings = {
  source: "",
  group: "all",
  interval: 1,
  result_timeout: 10,
};

function read<T>(key: string, fallback: T): T {
  const raw = localStorage.getItem(key);
  if (!raw) return fallback;
  try {
    return { ...fallback, ...JSON.parse(raw) };
  } catch (err) {
    console.warn(`ignoring stored ${key}: ${(err as Error).message}`);
    return fallback;
  }
}

/** A panel's stored settings. */
export function loadSettings(camId: string): PanelSettings {
  return read(`visionroi.panel.${camId}`, DEFAULT_SETTINGS);
}

/** Stores a panel's settings. */
export function saveSettings(camId: string, s: PanelSettings): void {
  localStorage.setItem(`visionroi.panel.${camId}`, JSON.stringify(s));
}

/** The cam_ids of the panels opened on a page (`group` or `page` mode). */
export function loadPanelIds(mode: string): string[] {
  const raw = localStorage.getItem(`visionroi.panels.${mode}`);
  if (!raw) return [];
  try {
    const ids = JSON.parse(raw);
    return Array.isArray(ids) ? ids.filter((x): x is string => typeof x === "string") : [];
  } catch (err) {
    console.warn(`ignoring stored panels: ${(err as Error).message}`);
    return [];
  }
}

/** Stores the panel list. */
export function savePanelIds(mode: string, ids: string[]): void {
  localStorage.setItem(`visionroi.panels.${mode}`, JSON.stringify(ids));
}
