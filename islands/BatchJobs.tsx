/** `/jobs`: upload footage as a batch task, and the task list with live progress and actions. */
import { useRef, useState } from "preact/hooks";
import { useStore } from "./stores/use_store.ts";
import {
  $batchTasks,
  type BatchTask,
  cancelBatchTask,
  deleteBatchTask,
  isActive,
} from "./stores/batch.ts";
import { errorText } from "./stores/api.ts";
import { type Note, Notice } from "./components/Notice.tsx";
import { BatchUploadForm } from "./components/BatchUploadForm.tsx";
import { type BatchTaskActions, BatchTaskList } from "./components/BatchTaskList.tsx";

function Counts({ tasks }: { tasks: BatchTask[] }) {
  const active = tasks.filter((t) => isActive(t.status)).length;
  return (
    <span class="small muted">
      {`${tasks.length} task${tasks.length === 1 ? "" : "s"}`}
      {active > 0 ? ` · ${active} running or queued` : ""}
    </span>
  );
}

/** The batch jobs island. */
export function BatchJobs(_props: Record<string, never>) {
  const { tasks, error } = useStore($batchTasks);
  const [note, setNote] = useState<Note>(null);
  const last = useRef(0);
  // The newest action's outcome is shown: a slow earlier one (a cancel still answering while
  // its task was already deleted) must not replace it.
  const run = async (done: string, failed: string, fn: () => Promise<void>) => {
    const seq = ++last.current;
    let outcome: Note;
    try {
      await fn();
      outcome = { kind: "ok", text: done };
    } catch (err) {
      outcome = { kind: "error", text: `${failed}: ${errorText(err)}` };
    }
    if (seq === last.current) setNote(outcome);
  };
  const actions: BatchTaskActions = {
    cancel: (t) =>
      run(`Cancelled "${t.name}".`, `Cannot cancel "${t.name}"`, () => cancelBatchTask(t.task_id)),
    remove: async (t) => {
      if (!confirm(`Delete task "${t.name}" with its results and uploaded files?`)) return;
      await run(
        `Deleted "${t.name}".`,
        `Cannot delete "${t.name}"`,
        () => deleteBatchTask(t.task_id),
      );
    },
  };
  return (
    <div>
      <h1>Batch jobs</h1>
      <Notice note={note} />
      <BatchUploadForm onDone={setNote} />
      <section class="card">
        <div class="spread">
          <h2>Tasks</h2>
          {tasks && <Counts tasks={tasks} />}
        </div>
        {error && <p class="notice error">{error}</p>}
        {!tasks && !error && <p class="muted">Loading…</p>}
        {tasks?.length === 0 && <p class="muted">No batch tasks yet.</p>}
        {tasks && tasks.length > 0 && <BatchTaskList tasks={tasks} actions={actions} />}
      </section>
    </div>
  );
}
