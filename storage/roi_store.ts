/**
 * ROI files on disk in VisionROI's format: `<dataDir>/<source>/<cfg.rois>` (default `rois.json`),
 * a JSON array written with `indent=2`. Every path is confined to a source folder of the data dir;
 * writes are atomic and happen only after the whole list validated.
 */
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { writeFileAtomic } from "../actors/runtime/snapshot_store.ts";
import { NotFoundError } from "./errors.ts";
import { checkSourceName, confinedPath } from "./safe_name.ts";
import type { SourceConfig, SourceStore } from "./source_store.ts";
import {
  normaliseRois,
  type RoiFileEntry,
  type ValidateOptions,
  validateRois,
} from "./roi_schema.ts";

export {
  LoadRoiAnswerSchema,
  MAX_ROI_ENTRIES,
  type ModuleNames,
  NameListSchema,
  normaliseEntry,
  normaliseRois,
  OtherEntrySchema,
  type PageEntry,
  PageEntrySchema,
  type RoiEntry,
  RoiEntrySchema,
  type RoiFileEntry,
  RoiFileEntrySchema,
  RoiFileSchema,
  RoiIdSchema,
  RoiPointSchema,
  RoiPointsSchema,
  RoiValidationError,
  SaveRoiAnswerSchema,
  SaveRoiBodySchema,
  type ValidateOptions,
  validateRois,
} from "./roi_schema.ts";

/** A ROI file on disk that cannot be read as a list (bad JSON, not an array, too large). */
export class RoiFileError extends Error {
  override name = "RoiFileError";
}

/** The largest ROI file read (page templates make files big, not this big). */
export const MAX_ROI_FILE_BYTES = 64 * 1024 * 1024;

/** The default ROI filename of a source. */
export const DEFAULT_ROI_FILE = "rois.json";

/** Where a source's ROIs live. */
export interface RoiFileLocation {
  /** The source's config. */
  config: SourceConfig;
  /** Absolute path of the ROI file. */
  path: string;
  /** The path relative to the data dir, with `/` separators (`demo/rois.json`). */
  filename: string;
}

/** A loaded ROI list and the filename VisionROI answers with. */
export interface LoadedRois {
  /** Normalised entries (ids filled, `type` defaulted, legacy rectangles as points). */
  rois: unknown[];
  /** The config's `rois` value (`load_roi`) or the file's basename (`load_roi_file`). */
  filename: string;
}

/**
 * Resolves a source's ROI file from its config's `rois` (default `rois.json`): it must stay inside
 * the source folder, end in `.json` and not be `config.json`. Unknown source → NotFoundError.
 */
export async function roiFileOf(sources: SourceStore, name: string): Promise<RoiFileLocation> {
  const source = checkSourceName(name, "source");
  const config = await sources.get(source);
  if (!config) throw new NotFoundError(`config not found: no source ${JSON.stringify(source)}`);
  const file = config.rois || DEFAULT_ROI_FILE;
  if (typeof file !== "string") {
    throw new RangeError(`invalid ROI filename ${JSON.stringify(file)} in config of "${source}"`);
  }
  const dir = await sources.dirOf(source);
  let path: string;
  try {
    path = await confinedPath(dir, file, "ROI filename");
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    throw new RangeError(`invalid ROI filename in config of "${source}": ${err.message}`);
  }
  checkJsonFilename(path, `ROI filename ${JSON.stringify(file)} in config of "${source}"`);
  return { config, path, filename: relPosix(sources.dataDir, path) };
}

/** The ROIs of a source (`[]` when its file is missing); unknown source → NotFoundError. */
export async function loadRois(sources: SourceStore, name: string): Promise<LoadedRois> {
  const loc = await roiFileOf(sources, name);
  const list = await readRoiList(loc.path, loc.filename);
  return { rois: list ?? [], filename: loc.config.rois || DEFAULT_ROI_FILE };
}

/**
 * Validates `rois` and writes them atomically to the source's ROI file; returns the written path
 * relative to the data dir. Nothing is written when anything fails.
 */
export async function saveRois(
  sources: SourceStore,
  name: string,
  rois: unknown,
  opts: ValidateOptions = {},
): Promise<string> {
  const loc = await roiFileOf(sources, name);
  const valid = validateRois(rois, opts);
  await Deno.mkdir(dirname(loc.path), { recursive: true });
  await writeRoiList(loc.path, valid);
  return loc.filename;
}

/**
 * Resolves a user-given path relative to the data dir for `?path=`: it must lie inside an existing
 * source folder (`<source>/…/<file>.json`), not be a `config.json`, a hidden file or a link.
 */
export async function roiPathAt(dataDir: string, relPath: unknown): Promise<string> {
  if (typeof relPath !== "string") {
    throw new RangeError(`invalid path: expected a string, got ${typeof relPath}`);
  }
  const shown = JSON.stringify(relPath);
  const full = await confinedPath(dataDir, relPath, "path");
  const parts = relative(resolve(dataDir), full).split(sep);
  if (parts.length < 2) {
    throw new RangeError(
      `invalid path ${shown}: must be <source>/<file>.json inside a source folder`,
    );
  }
  checkSourceName(parts[0], "path");
  if (parts.some((p) => p.startsWith("."))) {
    throw new RangeError(`invalid path ${shown}: hidden files and folders are not allowed`);
  }
  checkJsonFilename(full, `path ${shown}`);
  if (!(await isFile(join(dataDir, parts[0], "config.json")))) {
    throw new NotFoundError(`not found: no source ${JSON.stringify(parts[0])} for path ${shown}`);
  }
  const stat = await lstatOrUndefined(full);
  if (stat && !stat.isFile) throw new RangeError(`invalid path ${shown}: not a regular file`);
  return full;
}

/** Reads a ROI file at a path relative to the data dir (see {@linkcode roiPathAt}). */
export async function loadRoiFileAt(dataDir: string, relPath: string): Promise<LoadedRois> {
  const path = await roiPathAt(dataDir, relPath);
  const list = await readRoiList(path, relPosix(dataDir, path));
  return { rois: list ?? [], filename: basename(path) };
}

/** Validates and writes `rois` at a path relative to the data dir; returns that path, normalised. */
export async function saveRoiFileAt(
  dataDir: string,
  relPath: string,
  rois: unknown,
  opts: ValidateOptions = {},
): Promise<string> {
  const path = await roiPathAt(dataDir, relPath);
  const valid = validateRois(rois, opts);
  await Deno.mkdir(dirname(path), { recursive: true });
  await writeRoiList(path, valid);
  return relPosix(dataDir, path);
}

/** Options of {@linkcode allGroups}. */
export interface AllGroupsOptions {
  /** Receives one line per skipped source; default `console.warn`. */
  log?: (line: string) => void;
}

/**
 * Sorted unique `group || page || name` over every source's ROI file (each config's `rois`
 * honoured). A source whose config or ROI file is broken is skipped and logged.
 */
export async function allGroups(
  sources: SourceStore,
  opts: AllGroupsOptions = {},
): Promise<string[]> {
  const log = opts.log ?? ((line: string) => console.warn(line));
  const groups = new Set<string>();
  for (const name of await sources.names()) {
    let list: unknown[] | undefined;
    try {
      const loc = await roiFileOf(sources, name);
      list = await readRoiList(loc.path, loc.filename);
    } catch (err) {
      if (!isBrokenSource(err)) throw err;
      log(`groups: skipped source "${name}": ${(err as Error).message}`);
      continue;
    }
    for (const entry of list ?? []) {
      if (!entry || typeof entry !== "object") continue;
      const e = entry as Record<string, unknown>;
      const g = [e.group, e.page, e.name].find((v) => typeof v === "string" && v !== "");
      if (typeof g === "string") groups.add(g);
    }
  }
  return [...groups].sort();
}

function isBrokenSource(err: unknown): boolean {
  return err instanceof RoiFileError || err instanceof RangeError || err instanceof SyntaxError ||
    err instanceof NotFoundError || err instanceof Deno.errors.PermissionDenied ||
    err instanceof Deno.errors.IsADirectory;
}

/** Reads and normalises a ROI list; undefined when the file is missing. */
async function readRoiList(path: string, shown: string): Promise<unknown[] | undefined> {
  const stat = await lstatOrUndefined(path);
  if (!stat) return undefined;
  if (!stat.isFile) throw new RoiFileError(`ROI file ${shown} is not a regular file`);
  if (stat.size > MAX_ROI_FILE_BYTES) {
    throw new RoiFileError(`ROI file ${shown} is larger than ${MAX_ROI_FILE_BYTES} bytes`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(await Deno.readTextFile(path));
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err;
    throw new RoiFileError(`ROI file ${shown} is not valid JSON: ${err.message}`);
  }
  if (!Array.isArray(parsed)) {
    throw new RoiFileError(`ROI file ${shown} must hold a JSON array, got ${typeof parsed}`);
  }
  return normaliseRois(parsed);
}

async function writeRoiList(path: string, rois: RoiFileEntry[]): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(rois, null, 2) + "\n");
}

function checkJsonFilename(path: string, what: string): void {
  const base = basename(path).toLowerCase();
  if (!base.endsWith(".json")) throw new RangeError(`invalid ${what}: only .json files`);
  if (base === "config.json") {
    throw new RangeError(`invalid ${what}: a source's config.json is not a ROI file`);
  }
}

function relPosix(dataDir: string, path: string): string {
  return relative(resolve(dataDir), path).split(sep).join("/");
}

async function lstatOrUndefined(path: string): Promise<Deno.FileInfo | undefined> {
  try {
    return await Deno.lstat(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound || err instanceof Deno.errors.NotADirectory) {
      return undefined;
    }
    throw err;
  }
}

async function isFile(path: string): Promise<boolean> {
  return (await lstatOrUndefined(path))?.isFile ?? false;
}
