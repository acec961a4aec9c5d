/** `$sources`: `/source_list` (with each camera's status), polled every 3 s while shown. */
import { polledStore } from "./polled.ts";
import type { SourceRow } from "./types.ts";

const polled = polledStore<SourceRow[]>("/source_list", 3_000);

/** The sources store. */
export const $sources = polled.store;

/** Re-reads the list now (after a create, rename or delete). */
export const refreshSources = polled.refresh;
