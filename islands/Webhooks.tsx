/** `/webhooks`: create, edit and delete webhooks; each hook's delivery state, queue and last error. */
import { useState } from "preact/hooks";
import { useStore } from "./stores/use_store.ts";
import { $webhooks, refreshWebhooks } from "./stores/webhooks.ts";
import { api, errorText } from "./stores/api.ts";
import type { WebhookView } from "./stores/types.ts";
import { type Note, Notice } from "./components/Notice.tsx";
import { WebhookTable } from "./components/WebhookTable.tsx";
import { WebhookForm } from "./components/WebhookForm.tsx";

/** The island. */
export function Webhooks(_props: Record<string, never>) {
  const { data, error } = useStore($webhooks);
  const [editing, setEditing] = useState<WebhookView | null>(null);
  const [note, setNote] = useState<Note>(null);
  const remove = async (name: string) => {
    if (!confirm(`Delete webhook "${name}" and drop its queue?`)) return;
    try {
      await api(`/api/webhooks/${encodeURIComponent(name)}`, { method: "DELETE" });
      if (editing?.name === name) setEditing(null);
      setNote({ kind: "ok", text: `Deleted "${name}".` });
    } catch (err) {
      setNote({ kind: "error", text: errorText(err) });
    }
    await refreshWebhooks();
  };
  return (
    <div>
      <h1>Webhooks</h1>
      <Notice note={note} />
      <WebhookForm
        key={editing?.name ?? "new"}
        editing={editing}
        onDone={(n) => (setNote(n), n?.kind === "ok" && setEditing(null), void refreshWebhooks())}
        onCancel={() => setEditing(null)}
      />
      <section class="card">
        <h2>Webhooks</h2>
        {error && <p class="notice error">{error}</p>}
        {data?.length === 0 && <p class="muted">No webhooks yet.</p>}
        {data && data.length > 0 && (
          <WebhookTable
            hooks={data}
            onEdit={setEditing}
            onDelete={(n) => void remove(n)}
          />
        )}
      </section>
    </div>
  );
}
