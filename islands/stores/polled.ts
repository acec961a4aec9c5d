/** A store that polls a JSON route while it has listeners, and stops after the last one leaves. */
import { atom, onMount, type WritableAtom } from "nanostores";
import { api, ApiError, errorText } from "./api.ts";

/** A polled value: `data` once loaded, `error` of the last failed poll, `missing` on a 404 route. */
export interface Polled<T> {
  data: T | undefined;
  error: string | undefined;
  missing: boolean;
  loadedAt: number;
}

/** A polled store plus a way to refresh it now (after a change). */
export interface PolledStore<T> {
  store: WritableAtom<Polled<T>>;
  refresh(): Promise<void>;
}

/** Polls `path` every `everyMs` while mounted. */
export function polledStore<T>(path: string, everyMs: number): PolledStore<T> {
  const store = atom<Polled<T>>({ data: undefined, error: undefined, missing: false, loadedAt: 0 });
  const refresh = async () => {
    try {
      const data = await api<T>(path);
      store.set({ data, error: undefined, missing: false, loadedAt: Date.now() });
    } catch (err) {
      const missing = err instanceof ApiError && err.status === 404;
      store.set({ ...store.get(), error: errorText(err), missing });
    }
  };
  onMount(store, () => {
    void refresh();
    const timer = setInterval(() => void refresh(), everyMs);
    return () => clearInterval(timer);
  });
  return { store, refresh };
}
