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
import type { Size } from "./stores/roi_geometry.ts";
import type { JsonSchema, Point, RoiItem } from "./stores/types.ts";
import { $noPrevalues, prevaluesOf, setPreValue } from "./stores/prevalues.ts";
import { RoiStage, type RoiStageProps, type Tool, type View } from "./components/RoiStage.tsx";
import { RoiForm, type RoiFormProps } from "./components/RoiForm.tsx";
import { RoiToolbar } from "./components/RoiToolbar.tsx";
import { RoiList } from "./components/RoiList.tsx";
import { type Note, Notice } from "./components/Notice.tsx";
import { captureTemplate } from "./stores/roi_test.ts";
import { newEntry, testRois, useEditorKeys } from "./components/roi_edit_actions.ts";
import { cameraProblem, Problem, type ProblemInfo } from "./components/Problem.tsx";
import { shortReason } from "./stores/camera_state.ts";

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

const HINT = "Rectangle / page: drag. Polygon: click 4 corners. Select: drag a ROI to move it, " +
  "a yellow corner to reshape, the background to pan; wheel zooms. Ctrl+Z / Ctrl+Shift+Z undo " +
  "and redo, Delete removes.";

/** Where the frame would be, while there is none: why (the camera's failure) and what to do. */
function NoFrame(
  { source, problem, onRetry }: { source: string; problem: ProblemInfo | null; onRetry(): void },
) {
  if (!source) return <div class="empty">Create a source first.</div>;
  if (!problem) return <div class="empty">Waiting for the first frame…</div>;
  const q = encodeURIComponent(source);
  return (
    <div class="empty no-frame">
      <p>No picture from “{source}”.</p>
      <Problem
        problem={problem}
        actions={[
          { label: "Edit source", href: `/create_source?source=${q}` },
          { label: "Retry", onClick: onRetry },
        ]}
      />
    </div>
  );
}

/** Title and the source picker. */
function Header(
  { source, names, onPick }: { source: string; names: string[]; onPick(s: string): void },
) {
  return (
    <div class="spread">
      <h1>ROI editor</h1>
      <label class="row">
        Source
        <select
          name="source"
          value={source}
          onChange={(e) => onPick(e.currentTarget.value)}
          style="min-width:10rem"
        >
          {!source && <option value="">—</option>}
          {names.map((n) => <option key={n} value={n}>{n}</option>)}
        </select>
      </label>
    </div>
  );
}

/** The editor island; `rulesSchema` (the plausibility rules' JSON Schema) comes from the page. */
export function RoiEditor(
  { source: initial, rulesSchema }: { source: string; rulesSchema?: JsonSchema },
) {
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
  const prevalues = useStore(source ? prevaluesOf(source).store : $noPrevalues);
  const camera = sources.data?.find((s) => s.name === source)?.camera;
  const problem: ProblemInfo | null = session.error
    ? {
      tone: "bad",
      title: `Cannot start the stream: ${shortReason(session.error)}`,
      detail: session.error,
    }
    : camera
    ? cameraProblem({ status: camera.status, error: camera.last_error })
    : null;

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
    if (p.id !== undefined && rois.some((r) => r !== sel && String(r.id) === String(p.id))) {
      // Two entries with one id could not be told apart (both would look selected): refuse it.
      setNote({
        kind: "error",
        text: `ID "${p.id}" is used by another ROI: ${sel.id} keeps its ID. Pick another.`,
      });
      return;
    }
    doc.commit(rois.map((r) => (r === sel ? { ...r, ...p } : r)));
    if (p.id !== undefined) setSelected(String(p.id));
  };
  const remove = () => {
    doc.commit(rois.filter((r) => r !== sel));
    setSelected(null);
  };
  const create = (kind: "roi" | "page", points: Point[]) => {
    const item = newEntry(kind, points, { rois, img: live.img });
    doc.commit([...rois, item]);
    setSelected(item.id);
    setTool("select");
  };
  const capture = () => {
    if (sel && live.img) patch({ image: captureTemplate(live.img, sel.points) });
  };
  const test = async (all: boolean) => {
    setNote({ kind: "info", text: "Reading on the current frame…" });
    const out = await testRois(session.sid, rois, all ? null : sel);
    setNote(out.note);
    if (out.readings) setReadings((old) => ({ ...old, ...out.readings }));
  };
  useEditorKeys(doc, sel ? remove : null, selected !== null ? () => setSelected(null) : null);

  const stageProps = (frameUrl: string, size: Size): RoiStageProps => ({
    frameUrl,
    size,
    rois,
    selected,
    tool,
    view,
    readings,
    onView: setView,
    onSelect: setSelected,
    onPreview: doc.preview,
    onCommit: doc.commit,
    onCreate: create,
  });
  const formProps = (roi: RoiItem): RoiFormProps => ({
    roi,
    modules: modules.list,
    mqtt: mqtt.missing ? undefined : mqtt.data ?? [],
    groups: [...new Set(rois.map((r) => r.group).filter((g): g is string => !!g))],
    onChange: patch,
    onDelete: remove,
    onCapture: capture,
    rulesSchema,
    prevalue: prevalues.data?.rois.find((p) => p.roi_id === String(roi.id)),
    onSetPreValue: (value) => setPreValue(source, String(roi.id), value),
  });
  return (
    <div>
      <Header source={source} names={(sources.data ?? []).map((s) => s.name)} onPick={setSource} />
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
            onTest={() => test(false)}
            onTestAll={() => test(true)}
            canTest={!!sel && sel.type === "roi" && !!sel.module}
          />
          <div class="stage" id="stage">
            {live.url && live.size
              ? <RoiStage {...stageProps(live.url, live.size)} />
              : <NoFrame source={source} problem={problem} onRetry={session.retry} />}
          </div>
          <p class="muted small">{HINT}</p>
        </div>
        <aside class="card">
          <Notice note={note} />
          <RoiList rois={rois} selected={selected} readings={readings} onSelect={setSelected} />
          <hr />
          {sel
            ? <RoiForm key={String(sel.id)} {...formProps(sel)} />
            : <p class="muted">Select a ROI to edit its fields.</p>}
        </aside>
      </div>
    </div>
  );
}
