/** Keeps credentials in source URLs out of API answers and logs. */
import type { SourceSpec } from "./frame.ts";

// `scheme://user:password@`: the password runs to the last `@` before the path.
const USERINFO = /^([a-z][a-z0-9+.-]*:\/\/)([^:/@\s]+):([^/\s]*)@/i;
// Query parameters IP cameras take secrets in (`video.cgi?user=admin&pwd=…`).
const SECRET_PARAM = /([?&](?:pwd|pass|passwd|password|token|key|secret|api_?key|auth)=)([^&#]*)/gi;
const REDACTED = "***";

/** `rtsp://user:secret@host/x` → `rtsp://user:***@host/x`; `?pwd=secret` → `?pwd=***`. */
export function redactUrl(source: string): string {
  return source
    .replace(USERINFO, (_, scheme, user) => `${scheme}${user}:${REDACTED}@`)
    .replace(SECRET_PARAM, (_, key, value) => value === "" ? key : `${key}${REDACTED}`);
}

/** Scheme, user and host[:port] of a URL (where a secret may be sent), or undefined. */
function destination(source: string): string | undefined {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)(?:([^:/@\s]*)(?::[^/\s]*)?@)?([^/?#\s]*)/i.exec(source);
  return m ? `${m[1].toLowerCase()}${m[2] ?? ""}@${m[3].toLowerCase()}` : undefined;
}

/**
 * A source sent back in its redacted form keeps the stored secrets: `***` as the password or as
 * a secret parameter is replaced by the stored value, when scheme, user and host are the same
 * (an edited path or parameter is fine). To another host nothing is restored, so a caller cannot
 * send the stored password elsewhere.
 */
export function keepRedactedSecrets(given: string, stored: string): string {
  if (!given.includes(REDACTED)) return given;
  const to = destination(given);
  if (to === undefined || to !== destination(stored)) return given;
  let out = given;
  const storedUser = USERINFO.exec(stored);
  const givenUser = USERINFO.exec(given);
  if (givenUser?.[3] === REDACTED && storedUser) {
    out = out.replace(USERINFO, (_, scheme, user) => `${scheme}${user}:${storedUser[3]}@`);
  }
  const storedParams = new Map<string, string>();
  for (const m of stored.matchAll(SECRET_PARAM)) storedParams.set(m[1].slice(1), m[2]);
  return out.replace(SECRET_PARAM, (all, key: string, value: string) => {
    const kept = storedParams.get(key.slice(1));
    return value === REDACTED && kept !== undefined ? `${key}${kept}` : all;
  });
}

/** A camera view (anything with a spec) whose spec shows no password. */
export function redactSpec<T extends { spec: SourceSpec }>(view: T): T {
  return { ...view, spec: { ...view.spec, source: redactUrl(view.spec.source) } };
}
