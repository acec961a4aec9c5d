/** A one-line message: info, success or error (the text is always rendered as text). */

/** A message to show, or none. */
export type Note = { kind: "info" | "ok" | "error"; text: string } | null;

/** The message box (role=alert for errors). */
export function Notice({ note }: { note: Note }) {
  if (!note) return null;
  const cls = note.kind === "info" ? "notice" : `notice ${note.kind}`;
  return <p class={cls} role={note.kind === "error" ? "alert" : "status"}>{note.text}</p>;
}
