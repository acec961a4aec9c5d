/**
 * `/roi`: the ROI editor on a live frame of a chosen source (this tab's own preview stream).
 * Draw, move, reshape, zoom and pan, undo and redo, edit fields; every change is saved after a
 * short pause, and "Test" reads the ROIs on the current frame through `/api/read`.
 */
import { useEffect, useState } from "preact/hooks";
import { useStore } from "./stores/use_store.ts";
import { $sources } from "./stores/sources.ts";
import { $modules } from "./stores/modules.ts";
import { $mqtt } from "./stores/mqtt.ts";
import { frameStore, idleFrames } from "./stores/frames.ts";
import { useRoiSession } from "./stores/roi_session.ts";
import { type SaveState, useRoiDoc } from "./stores/roi_doc.ts";
import { nextId, type Size } from "./stores/roi_geometry.ts";
import { errorText } from "./stores/api.ts";
import type { Point, RoiItem } from "./stores/types.ts";
import { RoiStage, type Tool, type View } from "./components/RoiStage.tsx";
import { RoiForm } from "./components/RoiForm.tsx";
import { RoiToolbar } from "./components/RoiToolbar.tsx";
import { RoiList } from "./components/RoiList.tsx";
import { type Note, Notice } from "./components/Notice.tsx";
import { captureTemplate, readRois } from "./stores/roi_test.ts";

function saveText(s: SaveState): Note {
  if (s.kind === "error") return { kind: "error", text: `Not saved: ${s.message}` };
  if (s.kind === "saved") return { kind: "ok", text: "All changes saved." };
  if (s.kind === "pending" || s.kind === "saving") return { kind: "info", text: "Saving…" };
  return null;
}

/** The live frame (from this tab's stream) and its pixel size, once the first frame decoded. */
function useLiveFrame(
  sid: string,
  started: boolean,
): { url: string | null; size: Size | null; img: HTMLImageElement | null } {
  const [img, setImg] = useState<HTMLImageElement | null>(null);
  const [size, setSize] = useState<Size | null>(null);
  const frames = useStore(started ? frameStore(`/ws_roi/${sid}`) : idleFrames);
  useEffect(() => {
    if (!started || !frames.url) return;
    const el = new Image();
    el.onload = () => {
      setImg(el);
      setSize((
        s,
      ) => (s && s.width === el.naturalWidth && s.height === el.naturalHeight
        ? s
        : { width: el.naturalWidth, height: el.naturalHeight })
      );
    };
    el.src = frames.url;
  }, [frames.url, started]);
  return { url: started ? frames.url : null, size, img };
}

/** The editor island. */
export function RoiEditor({ source: initial }: { source: string }) {
  const sources = useStore($sources);
  const modules = useStore($modules);
  const mqtt = useStore($mqtt);
  const [source, setSource] = useState(initial);
  const session = useRoiSession(source);
  const doc = useRoiDoc(source);
  const live = useLiveFrame(session.sid, session.started);
  const [tool, setTool] = useState<Tool>("rect");
  const [view, setView] = useState<View>({ x: 0, y: 0, zoom: 1 });
  const [selected, setSelected] = useState<string | null>(null);
  const [readings, setReadings] = useState<Record<string, string>>({});
  const [note, setNote] = useState<Note>(null);
  const rois = doc.history.present;
  const sel = rois.find((r) => String(r.id) === selected) ?? null;

  useEffect(() => {
    if (!source && sources.data?.length) setSource(sources.data[0].name);
  }, [sources.data]);
  useEffect(() => {
    if (source) history.replaceState(null, "", `/roi?source=${encodeURIComponent(source)}`);
    setSelected(null);
    setReadings({});
    setView({ x: 0, y: 0, zoom: 1 });
  }, [source]);

  const patch = (p: Partial<RoiItem>) => {
    if (!sel) return;
    doc.commit(rois.map((r) => (r === sel ? { ...r, ...p } : r)));
    if (p.id !== undefined) setSelected(String(p.id));
  };
  const remove = () => {
    if (!sel) return;
    doc.commit(rois.filter((r) => r !== sel));
    setSelected(null);
  };
  const create = (kind: "roi" | "page", points: Point[]) => {
    const ids = rois.map((r) => String(r.id));
    const group = rois.find((r) => r.type === "roi" && r.group)?.group ?? "main";
    const item: RoiItem = kind === "page"
      ? {
        id: nextId("page", ids),
        type: "page",
        page: nextId("page", ids),
        name: nextId("page", ids),
        image: live.img ? captureTemplate(live.img, points) : null,
        points,
      }
      : {
        id: nextId("roi", ids),
        type: "roi",
        name: "",
        group,
        module: "",
        mqtt_config: "",
        points,
      };
    doc.commit([...rois, item]);
    setSelected(item.id);
    setTool("select");
  };
  const capture = () => {
    if (sel && live.img) patch({ image: captureTemplate(live.img, sel.points) });
  };
  const test = async () => {
    const targets = rois.filter((r) => r.type === "roi" && r.module && (!sel || r === sel));
    if (targets.length === 0) {
      return setNote({
        kind: "error",
        text: "Test reads ROIs that have a module: pick one first.",
      });
    }
    setNote({ kind: "info", text: `Reading ${targets.length} ROI(s) on the current frame…` });
    try {
      const res = await readRois(session.sid, targets);
      setReadings((old) => ({
        ...old,
        ...Object.fromEntries(
          res.results.map((r) => [r.id, r.error ? `error: ${r.error}` : r.text]),
        ),
      }));
      setNote({
        kind: "ok",
        text: `Read ${res.results.length} ROI(s) in ${(res.duration * 1000).toFixed(0)} ms.`,
      });
    } catch (err) {
      setNote({ kind: "error", text: `Test failed: ${errorText(err)}` });
    }
  };

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.target as HTMLElement).closest("input, select, textarea")) return;
      const mod = e.ctrlKey || e.metaKey;
      if (mod && e.key.toLowerCase() === "z") {
        e.preventDefault();
        return e.shiftKey ? doc.redo() : doc.undo();
      }
      if (mod && e.key.toLowerCase() === "y") return (e.preventDefault(), doc.redo());
      if ((e.key === "Delete" || e.key === "Backspace") && sel) {
        return (e.preventDefault(), remove());
      }
    };
    addEventListener("keydown", onKey);
    return () => removeEventListener("keydown", onKey);
  });

  const groups = [...new Set(rois.map((r) => r.group).filter((g): g is string => !!g))];
  return (
    <div>
      <div class="spread">
        <h1>ROI editor</h1>
        <label class="row">
          Source
          <select
            name="source"
            value={source}
            onChange={(e) => setSource(e.currentTarget.value)}
            style="min-width:10rem"
          >
            {!source && <option value="">—</option>}
            {(sources.data ?? []).map((s) => <option key={s.name} value={s.name}>{s.name}</option>)}
          </select>
        </label>
      </div>
      {session.error && <p class="notice error">Cannot start the stream: {session.error}</p>}
      {doc.loadError && <p class="notice error">Cannot load ROIs: {doc.loadError}</p>}
      <Notice note={saveText(doc.save)} />
      <div class="editor">
        <div>
          <RoiToolbar
            tool={tool}
            setTool={setTool}
            view={view}
            setView={setView}
            size={live.size}
            doc={doc}
            onTest={test}
          />
          <div class="stage" id="stage">
            {live.url && live.size
              ? (
                <RoiStage
                  frameUrl={live.url}
                  size={live.size}
                  rois={rois}
                  selected={selected}
                  tool={tool}
                  view={view}
                  readings={readings}
                  onView={setView}
                  onSelect={setSelected}
                  onPreview={doc.preview}
                  onCommit={doc.commit}
                  onCreate={create}
                />
              )
              : (
                <div class="empty">
                  {source ? "Waiting for the first frame…" : "Create a source first."}
                </div>
              )}
          </div>
          <p class="muted small">
            Rectangle / page: drag. Polygon: click 4 corners. Select: drag a ROI to move it, a
            yellow corner to reshape, the background to pan; wheel zooms. Ctrl+Z / Ctrl+Shift+Z undo
            and redo, Delete removes.
          </p>
        </div>
        <aside class="card">
          <Notice note={note} />
          <RoiList rois={rois} selected={selected} readings={readings} onSelect={setSelected} />
          <hr />
          {sel
            ? (
              <RoiForm
                key={String(sel.id)}
                roi={sel}
                modules={modules.list}
                mqtt={mqtt.missing ? undefined : mqtt.data ?? []}
                groups={groups}
                onChange={patch}
                onDelete={remove}
                onCapture={capture}
              />
            )
            : <p class="muted">Select a ROI to edit its fields.</p>}
        </aside>
      </div>
    </div>
  );
}
