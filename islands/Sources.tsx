/** `/create_source`: create a source, and a table to rename, re-point, retype or delete each one. */
import { useEffect, useState } from "preact/hooks";
import { useStore } from "./stores/use_store.ts";
import { $sources, refreshSources } from "./stores/sources.ts";
import { api, errorText } from "./stores/api.ts";
import { type Note, Notice } from "./components/Notice.tsx";
import { type SourceActions, SourceRow } from "./components/SourceRow.tsx";

function CreateForm({ onDone }: { onDone: (n: Note) => void }) {
  const [sized, setSized] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    if (!sized) {
      data.delete("width");
      data.delete("height");
    }
    try {
      await api("/create_source", { method: "POST", form: data });
      onDone({ kind: "ok", text: `Source "${data.get("name")}" created.` });
      form.reset();
      await refreshSources();
    } catch (err) {
      onDone({ kind: "error", text: `Cannot create the source: ${errorText(err)}` });
    }
  };
  return (
    <form class="card" onSubmit={submit} aria-label="New source">
      <h2>New source</h2>
      <div class="form-grid">
        <label>
          Name<input name="name" required maxLength={100} placeholder="line1" />
        </label>
        <label style="grid-column: span 2">
          Source
          <input
            name="source"
            required
            placeholder="rtsp://…, /path/video.mp4, image.png, /dev/video0, demo"
          />
        </label>
        <label>
          Stream type
          <select name="stream_type">
            <option value="opencv">opencv</option>
            <option value="ffmpeg">ffmpeg</option>
          </select>
        </label>
        <label>
          Frame rate (fps)
          <input
            name="fps"
            type="number"
            min={0.1}
            max={60}
            step="any"
            placeholder="default: 5, images 1"
          />
        </label>
        <label class="check">
          <input
            type="checkbox"
            checked={sized}
            onChange={(e) => setSized(e.currentTarget.checked)}
          />Scale frames
        </label>
        {sized && (
          <label>
            Width<input name="width" type="number" min={1} max={8192} />
          </label>
        )}
        {sized && (
          <label>
            Height<input name="height" type="number" min={1} max={8192} />
          </label>
        )}
        <div>
          <button class="primary" type="submit">Create</button>
        </div>
      </div>
    </form>
  );
}

/** The sources island; `focus` (`?source=`) is the row to show first: "Edit source" links here. */
export function Sources({ focus = "" }: { focus?: string }) {
  const { data, error } = useStore($sources);
  const [note, setNote] = useState<Note>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    setTick(Date.now());
    const t = setInterval(() => setTick(Date.now()), 15_000);
    return () => clearInterval(t);
  }, []);
  const run = async (what: string, fn: () => Promise<unknown>): Promise<boolean> => {
    try {
      await fn();
      setNote({ kind: "ok", text: what });
      await refreshSources();
      return true;
    } catch (err) {
      setNote({ kind: "error", text: `${what.replace(/\.$/, "")} failed: ${errorText(err)}` });
      return false;
    }
  };
  const enc = encodeURIComponent;
  const actions: SourceActions = {
    rename: (old, name) =>
      run(
        `Renamed "${old}" to "${name}".`,
        () => api(`/rename_source/${enc(old)}`, { method: "PATCH", body: { name } }),
      ),
    setSource: (name, source) =>
      run(
        `Source of "${name}" updated.`,
        () => api(`/update_source/${enc(name)}`, { method: "PATCH", body: { source } }),
      ),
    setFps: (name, fps) =>
      run(
        fps === null
          ? `Frame rate of "${name}" set to its default.`
          : `Frame rate of "${name}" set to ${fps} fps.`,
        () => api(`/update_source/${enc(name)}`, { method: "PATCH", body: { fps } }),
      ),
    setStreamType: (name, t) =>
      run(
        `Stream type of "${name}" set to ${t}.`,
        () =>
          api(`/update_stream_type/${enc(name)}`, { method: "PATCH", body: { stream_type: t } }),
      ),
    remove: async (name) => {
      if (!confirm(`Delete source "${name}" with its ROIs and logs?`)) return;
      await run(
        `Deleted "${name}".`,
        () => api(`/delete_source/${enc(name)}`, { method: "DELETE" }),
      );
    },
  };
  return (
    <div>
      <h1>Sources</h1>
      <Notice note={note} />
      <CreateForm onDone={setNote} />
      <section class="card">
        <h2>Sources</h2>
        {error && <p class="notice error">{error}</p>}
        {!data && !error && <p class="muted">Loading…</p>}
        {data?.length === 0 && <p class="muted">No sources yet.</p>}
        {data && data.length > 0 && (
          <div class="table-wrap">
            <table id="sources">
              <thead>
                <tr>
                  <th></th>
                  <th>Name</th>
                  <th>Source</th>
                  <th>Type</th>
                  <th>Size</th>
                  <th>fps</th>
                  <th>Camera</th>
                  <th></th>
                </tr>
              </thead>
              <tbody>
                {data.map((r) => (
                  <SourceRow
                    key={r.name}
                    row={r}
                    tick={tick}
                    actions={actions}
                    focused={r.name === focus}
                  />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}
