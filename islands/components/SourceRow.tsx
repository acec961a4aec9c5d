/** One row of the sources table: inline rename, source and stream type edits, status, thumbnail, delete. */
import { useEffect, useRef, useState } from "preact/hooks";
import { DraftInput } from "./DraftInput.tsx";
import type { SourceRow as Row } from "../stores/types.ts";
import { StatusBadge } from "./StatusBadge.tsx";
import { cameraDown, cameraWords, shortReason } from "../stores/camera_state.ts";

/** Names that can be a cam_id (the snapshot route refuses others). */
const CAM_ID = /^[\p{L}\p{N}_.:@-]{1,100}$/u;

/** What a row asks its table to do. */
export interface SourceActions {
  rename(oldName: string, name: string): Promise<boolean>;
  setSource(name: string, source: string): Promise<boolean>;
  setStreamType(name: string, type: string): Promise<boolean>;
  /** The capture frame rate (0.1..60), or null for the source's default. */
  setFps(name: string, fps: number | null): Promise<boolean>;
  remove(name: string): Promise<void>;
}

/** The row. */
export function SourceRow(
  { row, tick, actions, focused = false }: {
    row: Row;
    tick: number;
    actions: SourceActions;
    /** Scrolled to and highlighted (an "Edit source" link points here). */
    focused?: boolean;
  },
) {
  const tr = useRef<HTMLTableRowElement>(null);
  useEffect(() => {
    if (!focused || !tr.current) return;
    tr.current.scrollIntoView({ block: "center" });
    tr.current.querySelector<HTMLInputElement>(`input[aria-label^="source of"]`)?.focus();
  }, [focused]);
  const [thumbOk, setThumbOk] = useState(true);
  const [wanted, setWanted] = useState(false);
  // Only live cameras get a thumbnail unasked: a snapshot wakes a stopped camera.
  const thumb = CAM_ID.test(row.name) && (wanted || row.camera.status === "live");
  const cam = row.camera;
  const name = row.name;
  const down = cameraDown(cam.status);
  return (
    <tr data-source={name} ref={tr} class={focused ? "focused" : undefined}>
      <td>
        {thumb && thumbOk
          ? (
            <img
              class="thumb-sm"
              alt={`${name} thumbnail`}
              src={`/ws_snapshot/${encodeURIComponent(name)}?t=${tick}`}
              onError={() => setThumbOk(false)}
            />
          )
          : CAM_ID.test(name)
          ? (
            <button
              type="button"
              title={down
                ? "Opens the camera again and shows its frame"
                : "Wakes the camera and shows its frame"}
              onClick={() => (setWanted(true), setThumbOk(true))}
            >
              {down ? "Retry" : "Preview"}
            </button>
          )
          : <span class="muted small">no preview</span>}
      </td>
      <td>
        <DraftInput
          value={name}
          aria-label={`name of ${name}`}
          onCommit={(v) => actions.rename(name, v)}
        />
      </td>
      <td>
        <DraftInput
          value={row.source}
          aria-label={`source of ${name}`}
          onCommit={(v) => actions.setSource(name, v)}
        />
      </td>
      <td>
        <select
          aria-label={`stream type of ${name}`}
          value={row.stream_type}
          onChange={(e) => actions.setStreamType(name, e.currentTarget.value)}
        >
          <option value="opencv">opencv</option>
          <option value="ffmpeg">ffmpeg</option>
        </select>
      </td>
      <td class="small">{row.width && row.height ? `${row.width}×${row.height}` : "native"}</td>
      <td>
        <DraftInput
          type="number"
          min={0.1}
          max={60}
          step="any"
          value={row.fps === null || row.fps === undefined ? "" : String(row.fps)}
          placeholder="default"
          aria-label={`fps of ${name}`}
          onCommit={(v) => actions.setFps(name, v.trim() === "" ? null : Number(v))}
        />
      </td>
      <td>
        <StatusBadge state={cam.status} title={cam.last_error} />
        {down && <div class="small reason">{cameraWords(cam.status, cam.last_error)}</div>}
        {down && cam.last_error && cam.last_error !== shortReason(cam.last_error) && (
          <details class="small muted">
            <summary>Details</summary>
            <span class="mono">{cam.last_error}</span>
          </details>
        )}
        {cam.fps !== undefined && cam.status === "live" && (
          <div class="small muted">{cam.fps} fps</div>
        )}
      </td>
      <td>
        <div class="row">
          <a class="button" href={`/roi?source=${encodeURIComponent(name)}`}>ROIs</a>
          <button type="button" class="danger" onClick={() => actions.remove(name)}>Delete</button>
        </div>
      </td>
    </tr>
  );
}
