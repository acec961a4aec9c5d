/** A job's live preview (`/ws/<cam_id>`: half size, ROI outlines drawn by the server). */
import { useStore } from "../stores/use_store.ts";
import { frameStore } from "../stores/frames.ts";
import { StatusBadge } from "./StatusBadge.tsx";
import { NoPicture } from "./Problem.tsx";

/** The video and its socket state; `down` (the camera's state in words) shows a placeholder. */
export function LiveVideo({ camId, down }: { camId: string; down?: string }) {
  const f = useStore(frameStore(`/ws/${encodeURIComponent(camId)}`));
  return (
    <div class="stack">
      {down
        ? <NoPicture class="video" words={down} />
        : f.url
        ? <img class="video" src={f.url} alt={`live video of ${camId}`} />
        : <NoPicture class="video" words="waiting for the first frame" />}
      <div class="row small muted">
        video <StatusBadge state={f.state} title={f.detail} /> {f.frames} frames
      </div>
    </div>
  );
}
