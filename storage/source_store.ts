/** Sources on disk in VisionROI's layout: `<dataDir>/<name>/config.json` and `rois.json`. */
import { join } from "node:path";
import { writeFileAtomic } from "../actors/runtime/snapshot_store.ts";
import {
  checkDimension,
  checkFps,
  checkSourceString,
  checkStreamType,
} from "../actors/frame_sources/source_spec.ts";
import { ConflictError, NotFoundError } from "./errors.ts";
import { checkSourceName, confinedPath, RESERVED_NAMES } from "./safe_name.ts";

export {
  checkDimension,
  checkFps,
  checkSourceString,
  checkStreamType,
  STREAM_TYPES,
} from "../actors/frame_sources/source_spec.ts";

/** VisionROI's `config.json` of one source; unknown fields are kept as they are. */
export interface SourceConfig {
  name: string;
  source: string;
  rois?: string;
  stream_type?: string;
  width?: number;
  height?: number;
  /** Frames per second captured (0.1..60); absent: 5 for streams and videos, 1 for still images. */
  fps?: number;
  [extra: string]: unknown;
}

/** One row of `GET /source_list`. */
export interface SourceListItem {
  name: string;
  source: string;
  width: number | null;
  height: number | null;
  stream_type: string;
  /** The configured frame rate, or null for the source's default. */
  fps: number | null;
}

/** Reads and writes source folders; every name is confined to the data dir. */
export class SourceStore {
  readonly dataDir: string;

  constructor(dataDir: string) {
    this.dataDir = dataDir;
  }

  /** Folder names of every source (sorted), skipping reserved and hidden folders. */
  async names(): Promise<string[]> {
    const names: string[] = [];
    try {
      for await (const e of Deno.readDir(this.dataDir)) {
        if (e.isDirectory && !e.name.startsWith(".") && !RESERVED_NAMES.has(e.name)) {
          names.push(e.name);
        }
      }
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    }
    return names.sort();
  }

  /** `GET /source_list` rows for every folder with a readable config. */
  async list(): Promise<SourceListItem[]> {
    const rows: SourceListItem[] = [];
    for (const dir of await this.names()) {
      const cfg = await this.#readConfigFile(dir).catch(() => undefined);
      if (!cfg) continue;
      rows.push({
        name: typeof cfg.name === "string" ? cfg.name : dir,
        source: typeof cfg.source === "string" ? cfg.source : String(cfg.source ?? ""),
        width: typeof cfg.width === "number" ? cfg.width : null,
        height: typeof cfg.height === "number" ? cfg.height : null,
        stream_type: typeof cfg.stream_type === "string" ? cfg.stream_type : "opencv",
        fps: typeof cfg.fps === "number" ? cfg.fps : null,
      });
    }
    return rows;
  }

  /** The config of a source, or undefined when there is none. */
  async get(rawName: string): Promise<SourceConfig | undefined> {
    const name = checkSourceName(rawName);
    return await this.#readConfigFile(name);
  }

  /** The config of a source; throws NotFoundError when missing. */
  async require(rawName: string): Promise<SourceConfig> {
    const cfg = await this.get(rawName);
    if (!cfg) throw new NotFoundError("not found");
    return cfg;
  }

  /** Creates `<name>/config.json` and an empty `rois.json`; nothing is left behind on failure. */
  async create(input: {
    name: unknown;
    source: unknown;
    width?: unknown;
    height?: unknown;
    stream_type?: unknown;
    fps?: unknown;
  }): Promise<SourceConfig> {
    const name = checkSourceName(input.name);
    const cfg: SourceConfig = {
      name,
      source: checkSourceString(input.source),
      rois: "rois.json",
      stream_type: checkStreamType(input.stream_type ?? "opencv"),
    };
    const width = checkDimension(input.width, "width");
    const height = checkDimension(input.height, "height");
    const fps = checkFps(input.fps);
    if (fps !== undefined) cfg.fps = fps;
    if (width !== undefined) cfg.width = width;
    if (height !== undefined) cfg.height = height;
    const dir = await this.#dir(name);
    await Deno.mkdir(this.dataDir, { recursive: true });
    try {
      await Deno.mkdir(dir);
    } catch (err) {
      if (err instanceof Deno.errors.AlreadyExists) throw new ConflictError("name exists");
      throw err;
    }
    try {
      await writeFileAtomic(join(dir, "rois.json"), "[]\n");
      await this.#writeConfig(name, cfg);
    } catch (err) {
      await Deno.remove(dir, { recursive: true });
      throw err;
    }
    return cfg;
  }

  /** Replaces fields of a config (atomic rewrite); returns the new config. */
  async update(rawName: string, patch: Partial<SourceConfig>): Promise<SourceConfig> {
    const cfg = await this.require(rawName);
    const next = { ...cfg, ...patch };
    await this.#writeConfig(checkSourceName(rawName), next);
    return next;
  }

  /** Renames the folder and the config's `name`; rolls the folder back if the rewrite fails. */
  async rename(rawOld: string, rawNew: unknown): Promise<string> {
    const oldName = checkSourceName(rawOld);
    const newName = checkSourceName(rawNew);
    const cfg = await this.require(oldName);
    const from = await this.#dir(oldName);
    const to = await this.#dir(newName);
    if (await exists(to)) throw new ConflictError("name exists");
    await Deno.rename(from, to);
    try {
      await this.#writeConfig(newName, { ...cfg, name: newName });
    } catch (err) {
      await Deno.rename(to, from);
      throw err;
    }
    return newName;
  }

  /** Removes the source folder; throws NotFoundError when missing. */
  async remove(rawName: string): Promise<void> {
    const name = checkSourceName(rawName);
    const dir = await this.#dir(name);
    if (!(await exists(join(dir, "config.json"))) && !(await exists(dir))) {
      throw new NotFoundError("not found");
    }
    await Deno.remove(dir, { recursive: true });
  }

  /** Absolute folder of a source (confined). */
  async dirOf(rawName: string): Promise<string> {
    return await this.#dir(checkSourceName(rawName));
  }

  async #dir(name: string): Promise<string> {
    await Deno.mkdir(this.dataDir, { recursive: true });
    return await confinedPath(this.dataDir, name, "name");
  }

  async #readConfigFile(name: string): Promise<SourceConfig | undefined> {
    const path = join(await this.#dir(name), "config.json");
    let text: string;
    try {
      text = await Deno.readTextFile(path);
    } catch (err) {
      if (err instanceof Deno.errors.NotFound || err instanceof Deno.errors.NotADirectory) {
        return undefined;
      }
      throw err;
    }
    const parsed = JSON.parse(text);
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
      throw new RangeError(`config.json of ${JSON.stringify(name)} is not an object`);
    }
    return parsed as SourceConfig;
  }

  async #writeConfig(name: string, cfg: SourceConfig): Promise<void> {
    await writeFileAtomic(join(await this.#dir(name), "config.json"), JSON.stringify(cfg));
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
}
