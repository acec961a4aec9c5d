/**
 * The batch upload form: file(s), whose ROIs (a saved source or pasted JSON), group, which frames
 * (every Nth or a rate), a name; sent with a progress bar for the upload itself.
 */
import { useRef, useState } from "preact/hooks";
import { useStore } from "../stores/use_store.ts";
import { $sources } from "../stores/sources.ts";
import { errorText } from "../stores/api.ts";
import {
  type RunningUpload,
  sendBatchUpload,
  UploadAborted,
  type UploadProgress,
} from "../stores/batch_upload.ts";
import { refreshBatchTasks } from "../stores/batch.ts";
import { formatBytes } from "../stores/batch_format.ts";
import { BatchProgress } from "./BatchProgress.tsx";
import type { Note } from "./Notice.tsx";

type FramesBy = "every_n_frames" | "fps";

/** The multipart body: text fields first (the server reads them before it stores the files). */
function bodyOf(form: HTMLFormElement, roisFrom: string): FormData {
  const data = new FormData(form);
  const out = new FormData();
  for (const key of ["source", "rois", "group", "every_n_frames", "fps", "name"]) {
    const v = data.get(key);
    if (typeof v !== "string" || v.trim() === "") continue;
    if ((key === "source" && roisFrom === "") || (key === "rois" && roisFrom !== "")) continue;
    out.set(key, v.trim());
  }
  for (const f of data.getAll("file")) if (f instanceof File && f.name) out.append("file", f);
  return out;
}

function UploadStatus({ p, onAbort }: { p: UploadProgress; onAbort: () => void }) {
  const pct = p.total > 0 ? (p.loaded * 100) / p.total : 0;
  const detail = p.phase === "checking"
    ? "checking the file…"
    : p.total > 0
    ? `${formatBytes(p.loaded)} of ${formatBytes(p.total)}`
    : formatBytes(p.loaded);
  return (
    <div class="upload-status" id="upload-status">
      <BatchProgress value={pct} label="upload" detail={detail} />
      {p.phase === "sending" && <button type="button" onClick={onAbort}>Stop upload</button>}
    </div>
  );
}

function FrameFields({ by, setBy }: { by: FramesBy; setBy: (b: FramesBy) => void }) {
  return (
    <>
      <label>
        Frames
        <select
          aria-label="read frames by"
          value={by}
          onChange={(e) => setBy(e.currentTarget.value as FramesBy)}
        >
          <option value="every_n_frames">every Nth frame</option>
          <option value="fps">frames per second</option>
        </select>
      </label>
      {by === "every_n_frames"
        ? (
          <label>
            N<input
              name="every_n_frames"
              type="number"
              min={1}
              step={1}
              placeholder="1"
            />
          </label>
        )
        : (
          <label>
            Per second<input name="fps" type="number" min={0.001} step="any" required />
          </label>
        )}
    </>
  );
}

/** An upload in flight: its progress (null when none), a submit handler and a way to stop it. */
function useUpload(onDone: (n: Note) => void, roisFrom: string) {
  const [progress, setProgress] = useState<UploadProgress | null>(null);
  const running = useRef<RunningUpload | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const body = bodyOf(form, roisFrom);
    const label = String(body.get("name") ?? (body.get("file") as File | null)?.name ?? "");
    setProgress({ phase: "sending", loaded: 0, total: 0 });
    const up = sendBatchUpload(body, setProgress);
    running.current = up;
    try {
      const { task_id } = await up.done;
      onDone({ kind: "ok", text: `Task "${label}" queued (${task_id}).` });
      (form.elements.namedItem("file") as HTMLInputElement).value = "";
      await refreshBatchTasks();
    } catch (err) {
      onDone(
        err instanceof UploadAborted
          ? { kind: "info", text: "Upload stopped." }
          : { kind: "error", text: `Cannot upload "${label}": ${errorText(err)}` },
      );
    } finally {
      running.current = null;
      setProgress(null);
    }
  };
  return { progress, submit, abort: () => running.current?.abort() };
}

/** The form; reports outcomes through `onDone`. */
export function BatchUploadForm({ onDone }: { onDone: (n: Note) => void }) {
  const sources = useStore($sources).data;
  const [picked, setPicked] = useState<string | undefined>(undefined);
  const [by, setBy] = useState<FramesBy>("every_n_frames");
  const roisFrom = picked ?? sources?.[0]?.name ?? "";
  const { progress, submit, abort } = useUpload(onDone, roisFrom);
  return (
    <form class="card" onSubmit={submit} aria-label="New batch task" id="batch-upload">
      <h2>New batch task</h2>
      <div class="form-grid">
        <label class="span-all">
          Video, images or a zip of images
          <input name="file" type="file" required multiple accept="video/*,image/*,.zip" />
        </label>
        <label>
          ROIs of
          <select
            name="source"
            value={roisFrom}
            onChange={(e) => setPicked(e.currentTarget.value)}
          >
            {(sources ?? []).map((s) => <option key={s.name} value={s.name}>{s.name}</option>)}
            <option value="">pasted JSON…</option>
          </select>
        </label>
        <label>
          Group<input name="group" maxLength={100} placeholder="all" />
        </label>
        <FrameFields by={by} setBy={setBy} />
        <label>
          Name<input name="name" maxLength={200} placeholder="the file name" />
        </label>
        {roisFrom === "" && (
          <label class="span-all">
            ROIs (JSON list, as in rois.json)
            <textarea name="rois" rows={4} required placeholder='[{"id": "1", "points": …}]' />
          </label>
        )}
        <div>
          <button class="primary" type="submit" disabled={progress !== null}>Upload</button>
        </div>
      </div>
      {progress && <UploadStatus p={progress} onAbort={abort} />}
    </form>
  );
}
