/** `useStore`: subscribes a Preact component to a nanostores store (no side effects during SSR). */
import { useEffect, useState } from "preact/hooks";
import type { ReadableAtom } from "nanostores";

/** The store's current value; re-renders on change. Subscribing mounts the store (opens its socket). */
export function useStore<T>(store: ReadableAtom<T>): T {
  const [value, setValue] = useState(store.get());
  useEffect(() => {
    setValue(store.get());
    return store.listen((v) => setValue(() => v));
  }, [store]);
  return value;
}
