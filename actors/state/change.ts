/** The change feed's message type, shared by the store and its replica adapters. */

/**
 * One change of the desired state, after it was written. `remote` is set when another node made
 * it (cluster mode: it came through the KV watch and was applied here).
 */
export type Change =
  & (
    | { kind: "source"; name: string; op: "put" }
    | { kind: "source"; name: string; op: "rename"; to: string }
    | { kind: "source"; name: string; op: "delete" }
    | { kind: "rois"; name: string; op: "put" }
    | { kind: "job"; name: string; op: "put" | "delete" }
    | { kind: "mqtt"; name: string; op: "put" | "delete" }
    | { kind: "webhook"; name: string; op: "put" | "delete" }
    | { kind: "preview"; name: string; op: "put" | "delete" }
  )
  & { remote?: boolean };

/** The kinds of entity the store holds. */
export type EntityKind = Change["kind"];
