/**
 * Results across nodes: every message of this node's jobs goes out on
 * `visionroi.results.<source>.<cam_id>` (page/group messages on `visionroi.groups.<cam_id>`),
 * tokens `%`-encoded (see `encodeToken`); every other node's go to the local result bus's
 * subscribers and recent list, so `/ws_roi_result/<cam_id>` and the dashboard on any node show
 * every camera. Sinks (log, history, MQTT) stay with the owning node: MQTT gets each result once.
 * Core NATS, at most once: a subscriber on another node may miss a message during a reconnect.
 */
import type { NatsConnection } from "@nats-io/transport-node";
import type { LocalMessage, ResultBus } from "../jobs/result_bus.ts";
import { encodeToken } from "../state/kv_backend.ts";

/** The subject prefix of results. */
export const RESULTS_SUBJECT = "visionroi.results";
/** The subject prefix of page/group messages. */
export const GROUPS_SUBJECT = "visionroi.groups";

/** What travels on the subjects. */
export type ResultEnvelope = LocalMessage & { origin: string };

/** The subject of a message. */
export function subjectOf(m: LocalMessage): string {
  return m.kind === "result"
    ? `${RESULTS_SUBJECT}.${encodeToken(m.result.source, "%")}.${encodeToken(m.camId, "%")}`
    : `${GROUPS_SUBJECT}.${encodeToken(m.camId, "%")}`;
}

/** Connects the bus to the subjects; returns the stop. */
export function bridgeResults(nc: NatsConnection, bus: ResultBus, nodeId: string): () => void {
  const enc = new TextEncoder();
  bus.addForwarder((m) => {
    if (nc.isClosed() || nc.isDraining()) return;
    try {
      nc.publish(subjectOf(m), enc.encode(JSON.stringify({ ...m, origin: nodeId })));
    } catch (err) {
      console.error(`cluster: result of ${m.camId} not published: ${(err as Error).message}`);
    }
  });
  const subs = [RESULTS_SUBJECT, GROUPS_SUBJECT].map((prefix) => {
    const sub = nc.subscribe(`${prefix}.>`);
    void (async () => {
      for await (const msg of sub) {
        let env: ResultEnvelope;
        try {
          env = msg.json<ResultEnvelope>();
        } catch (err) {
          console.error(`cluster: bad message on ${msg.subject}: ${(err as Error).message}`);
          continue;
        }
        if (env.origin !== nodeId) bus.deliverRemote(env);
      }
    })();
    return sub;
  });
  return () => subs.forEach((s) => s.unsubscribe());
}
