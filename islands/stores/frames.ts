/**
 * Live JPEG frames from `/ws/<cam_id>` (preview with overlays) or `/ws_roi/<cam_id>` (raw):
 * the newest frame as an object URL; the previous URL is revoked once the next one is shown.
 */
import { atom, onMount, type WritableAtom } from "nanostores";
import { openLiveSocket, type SocketState } from "./live_socket.ts";

/** The newest frame of a stream. */
export interface LiveFrame {
  url: string | null;
  state: SocketState;
  detail?: string;
  frames: number;
}

const stores = new Map<string, WritableAtom<LiveFrame>>();

/** A frame store with no socket, for while there is nothing to show. */
export const idleFrames: WritableAtom<LiveFrame> = atom<LiveFrame>({
  url: null,
  state: "closed",
  frames: 0,
});

/** The frame store of a WebSocket path (one per path, shared on the page). */
export function frameStore(path: string): WritableAtom<LiveFrame> {
  const found = stores.get(path);
  if (found) return found;
  const s = atom<LiveFrame>({ url: null, state: "connecting", frames: 0 });
  onMount(s, () => {
    const close = openLiveSocket(path, {
      onMessage: (data) => {
        if (typeof data === "string") return;
        const old = s.get().url;
        s.set({ ...s.get(), url: URL.createObjectURL(data), frames: s.get().frames + 1 });
        // Revoke after the browser had time to decode the new one (revoking at once flickers).
        if (old) setTimeout(() => URL.revokeObjectURL(old), 1_000);
      },
      onState: (state, detail) => s.set({ ...s.get(), state, detail }),
    });
    return () => {
      close();
      const url = s.get().url;
      if (url) URL.revokeObjectURL(url);
      s.set({ url: null, state: "closed", frames: 0 });
    };
  });
  stores.set(path, s);
  return s;
}
