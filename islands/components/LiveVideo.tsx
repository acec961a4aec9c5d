/** A job's live preview (`/ws/<cam_id>`: half size, ROI outlines drawn by the server). */
import { useStore } from "../stores/use_store.ts";
import { frameStore } from "../stores/frames.ts";
import { StatusBadge } from "./StatusBadge.tsx";

/** The video and its socket state. */
export function LiveVideo({ camId }: { camId: string }) {
  const f = useStore(frameStore(`/ws/${encodeURIComponent(camId)}`));
  return (
    <div class="stack">
      {f.url
        ? <img class="video" src={f.url} alt={`live video of ${camId}`} />
        : <div class="video" />}
      <div class="row small muted">
        video <StatusBadge state={f.state} title={f.detail} /> {f.frames} frames
      </div>
    </div>
  );
}
