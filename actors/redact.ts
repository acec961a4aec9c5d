/** Keeps credentials in source URLs out of API answers and logs. */
import type { CameraView } from "./camera_system.ts";

/** `rtsp://user:secret@host/x` → `rtsp://user:***@host/x`. */
export function redactUrl(source: string): string {
  return source.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@\s]+):[^@/\s]*@/i, "$1:***@");
}

/** A camera view whose spec shows no password. */
export function redactSpec(view: CameraView): CameraView {
  return { ...view, spec: { ...view.spec, source: redactUrl(view.spec.source) } };
}
