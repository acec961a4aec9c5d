/** `$modules`: the inference modules with their params schemas (`/api/modules`), read once. */
import { atom, onMount } from "nanostores";
import { api, errorText } from "./api.ts";
import type { ModuleInfo } from "./types.ts";

/** Modules, or the error of reading them. */
export const $modules = atom<{ list: ModuleInfo[]; error?: string }>({ list: [] });

onMount($modules, () => {
  if ($modules.get().list.length) return;
  api<ModuleInfo[]>("/api/modules").then(
    (list) => $modules.set({ list }),
    (err) => $modules.set({ list: [], error: errorText(err) }),
  );
});
