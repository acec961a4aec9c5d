/**
 * Commands on `<base_topic>/<cam_id>/set`: `{"command":"start"|"stop"}` and/or `{"interval": s}`.
 * Parsing is pure; a malformed message is a RangeError naming the field and the value.
 */

/** A parsed control message. */
export interface ControlCommand {
  command?: "start" | "stop";
  /** Seconds between reads (0 = every new frame). */
  interval?: number;
}

const CAM_ID = /^[\p{L}\p{M}\p{N}_.:@-]{1,100}$/u;

/** Checks a cam_id taken from a topic (the same rule as the HTTP routes). */
export function checkControlCamId(raw: string): string {
  if (!CAM_ID.test(raw) || raw === "." || raw === "..") {
    throw new RangeError(`invalid cam_id ${JSON.stringify(raw)}`);
  }
  return raw;
}

/** Parses a control payload. */
export function parseControl(payload: string): ControlCommand {
  let body: unknown;
  try {
    body = JSON.parse(payload);
  } catch (err) {
    throw new RangeError(`invalid control payload ${clip(payload)}: ${(err as Error).message}`);
  }
  if (!body || typeof body !== "object" || Array.isArray(body)) {
    throw new RangeError(`invalid control payload ${clip(payload)}: expected a JSON object`);
  }
  const b = body as Record<string, unknown>;
  const out: ControlCommand = {};
  if (b.command !== undefined) {
    if (b.command !== "start" && b.command !== "stop") {
      throw new RangeError(
        `invalid command ${JSON.stringify(b.command)}: expected "start" or "stop"`,
      );
    }
    out.command = b.command;
  }
  if (b.interval !== undefined) {
    if (typeof b.interval !== "number" || !Number.isFinite(b.interval) || b.interval < 0) {
      throw new RangeError(
        `invalid interval ${JSON.stringify(b.interval)}: expected seconds ≥ 0`,
      );
    }
    out.interval = b.interval;
  }
  if (out.command === undefined && out.interval === undefined) {
    throw new RangeError(`invalid control payload ${clip(payload)}: needs "command" or "interval"`);
  }
  if (out.command === "stop" && out.interval !== undefined) {
    throw new RangeError(`invalid control payload ${clip(payload)}: "stop" takes no interval`);
  }
  return out;
}

function clip(s: string): string {
  return JSON.stringify(s.length > 80 ? s.slice(0, 80) + "…" : s);
}
