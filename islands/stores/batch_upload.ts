/**
 * `sendBatchUpload`: `POST /api/batch` with XMLHttpRequest, because fetch reports no upload
 * progress. Progress events come while the body is sent; then the server checks the media and
 * answers `201 {task_id, status}` (or 4xx with `{message}`, which becomes an {@linkcode ApiError}).
 */
import { ApiError } from "./api.ts";

/** Where an upload is: sending the body, or waiting while the server checks the file. */
export type UploadPhase = "sending" | "checking";

/** Progress of one upload (`total` 0 while unknown). */
export interface UploadProgress {
  phase: UploadPhase;
  loaded: number;
  total: number;
}

/** A running upload: its answer, and a way to stop it. */
export interface RunningUpload {
  done: Promise<{ task_id: string; status: string }>;
  abort(): void;
}

/** An upload stopped with {@linkcode RunningUpload.abort}. */
export class UploadAborted extends Error {
  constructor() {
    super("upload cancelled");
  }
}

/** The server's `{message}` of a failed answer, or the status line. */
function messageOf(xhr: XMLHttpRequest): string {
  const type = xhr.getResponseHeader("content-type") ?? "";
  if (type.includes("json") && xhr.responseText) {
    const data = JSON.parse(xhr.responseText) as { message?: unknown };
    if (data && typeof data.message === "string") return data.message;
  }
  return xhr.statusText || "upload failed";
}

/** Sends `form` to `POST /api/batch`, calling `onProgress` as bytes go out. */
export function sendBatchUpload(
  form: FormData,
  onProgress: (p: UploadProgress) => void,
): RunningUpload {
  const xhr = new XMLHttpRequest();
  let sent = 0;
  const done = new Promise<{ task_id: string; status: string }>((resolve, reject) => {
    xhr.open("POST", "/api/batch");
    xhr.responseType = "text";
    xhr.upload.onprogress = (e) => {
      sent = e.loaded;
      onProgress({ phase: "sending", loaded: e.loaded, total: e.lengthComputable ? e.total : 0 });
    };
    // The whole body is out: the server now probes the media before it answers.
    xhr.upload.onload = () => onProgress({ phase: "checking", loaded: sent, total: sent });
    xhr.onload = () => {
      if (xhr.status === 201) {
        resolve(JSON.parse(xhr.responseText) as { task_id: string; status: string });
      } else reject(new ApiError(xhr.status, `${xhr.status}: ${messageOf(xhr)}`));
    };
    xhr.onerror = () => reject(new ApiError(0, "the upload failed: the connection was lost"));
    xhr.onabort = () => reject(new UploadAborted());
    xhr.send(form);
  });
  return { done, abort: () => xhr.abort() };
}
