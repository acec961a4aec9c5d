/**
 * Per-ROI MQTT logs, VisionROI's `logs/log_<source>/mqtt/<roi name>.log` moved into the source's
 * folder: `<dataDir>/<source>/mqtt/<sanitised ROI name>.log`, one
 * `<UTC ISO> - LEVEL - message` line per publish outcome, in VisionROI's words where it had them.
 * Each file rotates by size; writes queue per file and beyond a bound are dropped and counted, so a
 * slow disk never holds up results. A source whose folder is gone is not re-created.
 */
import { join } from "node:path";
import { appendLine, formatLogLine } from "../../storage/result_log.ts";
import { checkSourceName, MAX_NAME_BYTES } from "../../storage/safe_name.ts";

/** Which ROI a message belongs to: its source (folder), id and name. */
export interface MqttLogTag {
  source: string;
  roiId: string;
  roiName: string;
}

/** Counters of the log writer. */
export interface MqttLogStats {
  /** Lines written. */
  written: number;
  /** Lines dropped: the write queue was full or the write failed. */
  dropped: number;
  /** Lines not written because their source folder does not exist. */
  skipped: number;
}

/** Options; defaults in brackets. */
export interface MqttRoiLogOptions {
  /** Rotate a file before a write would pass this size [1 MiB]. */
  maxBytes?: number;
  /** Rotated files kept per ROI (`.1` … `.n`) [3]. */
  keep?: number;
  /** Lines waiting to be written, over all files, before new ones are dropped [1000]. */
  maxPending?: number;
  /** Clock for the line's time [`() => new Date()`]. */
  now?: () => Date;
}

/** The folder, inside a source folder, that holds its MQTT logs. */
export const MQTT_LOG_DIR = "mqtt";

/** Where MQTT lines of results without a source go, under the data dir (VisionROI: `log_mqtt`). */
export const NO_SOURCE_LOG_DIR = join(".visionroi", "logs", "mqtt");

/**
 * VisionROI's log-name rule: runs of characters other than letters, digits, `_`, `.` and `-`
 * become `_`, leading and trailing `.`/`_` go, cut to fit a file name; empty → `custom`.
 */
export function logFileName(roiName: string): string {
  let name = roiName.normalize("NFC").replace(/[^\p{L}\p{N}_.-]+/gu, "_").replace(
    /^[._]+|[._]+$/g,
    "",
  );
  const enc = new TextEncoder();
  // Leave room for `.log` and the rotation suffix (`.log.3`).
  while (enc.encode(name).length > MAX_NAME_BYTES - 16) name = [...name].slice(0, -1).join("");
  return `${name || "custom"}.log`;
}

/** The ROI a stored outbox payload came from (VisionROI's payload keys), if it is an ROI result. */
export function tagOfPayload(payload: string): MqttLogTag | undefined {
  if (!/^\{\s*"cam_id"/.test(payload)) return undefined;
  try {
    const p = JSON.parse(payload);
    if (typeof p.roi_id !== "string" || typeof p.source !== "string") return undefined;
    return { source: p.source, roiId: p.roi_id, roiName: String(p.roi_name ?? "") };
  } catch {
    return undefined; // not JSON of ours: nothing to log per ROI
  }
}

/** Writes the per-ROI MQTT log lines of one data dir. */
export class MqttRoiLog {
  readonly dataDir: string;
  #opts: MqttRoiLogOptions;
  #pending = 0;
  #stats: MqttLogStats = { written: 0, dropped: 0, skipped: 0 };
  #reported = false;
  /** The last queued write of each file: lines of one ROI are written in the order they came. */
  #tails = new Map<string, Promise<void>>();

  constructor(dataDir: string, opts: MqttRoiLogOptions = {}) {
    this.dataDir = dataDir;
    this.#opts = opts;
  }

  /** The file of an ROI's lines; undefined when the source name cannot be a folder. */
  pathOf(tag: MqttLogTag): string | undefined {
    const file = logFileName(tag.roiName);
    if (tag.source === "") return join(this.dataDir, NO_SOURCE_LOG_DIR, file);
    try {
      return join(this.dataDir, checkSourceName(tag.source, "source"), MQTT_LOG_DIR, file);
    } catch {
      return undefined; // not a saved source's name: it has no folder to log in
    }
  }

  /** Queues one line; resolves when it is written, dropped or skipped (never rejects). */
  write(tag: MqttLogTag, level: "INFO" | "WARNING" | "ERROR", message: string): Promise<void> {
    const path = this.pathOf(tag);
    if (!path) {
      this.#stats.skipped++;
      return Promise.resolve();
    }
    if (this.#pending >= (this.#opts.maxPending ?? 1000)) {
      this.#stats.dropped++;
      return Promise.resolve();
    }
    this.#pending++;
    const line = formatLogLine((this.#opts.now ?? (() => new Date()))(), level, message);
    const run = (this.#tails.get(path) ?? Promise.resolve())
      .then(() => this.#append(tag, path, line))
      .finally(() => {
        this.#pending--;
        if (this.#tails.get(path) === run) this.#tails.delete(path);
      });
    this.#tails.set(path, run);
    return run;
  }

  /** Counters so far. */
  stats(): MqttLogStats {
    return { ...this.#stats };
  }

  async #append(tag: MqttLogTag, path: string, line: string): Promise<void> {
    try {
      // Only the `mqtt` folder is made inside a source: a source deleted meanwhile stays deleted.
      if (!(await makeLogDir(join(path, ".."), tag.source === ""))) {
        this.#stats.skipped++;
        return;
      }
      await appendLine(path, line, {
        maxBytes: this.#opts.maxBytes ?? 1024 * 1024,
        keep: this.#opts.keep ?? 3,
      });
      this.#stats.written++;
    } catch (err) {
      this.#stats.dropped++;
      if (!this.#reported) {
        // Once per process: a full disk would otherwise print a line per result.
        console.error(`mqtt log: ${path} not written: ${(err as Error).message}`);
        this.#reported = true;
      }
    }
  }
}

/** Makes `dir` (and, when `parents`, its parents); false when its parent is gone. */
async function makeLogDir(dir: string, parents: boolean): Promise<boolean> {
  try {
    await Deno.mkdir(dir, { recursive: parents });
  } catch (err) {
    if (err instanceof Deno.errors.AlreadyExists) return true;
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
  return true;
}
