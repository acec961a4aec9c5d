/**
 * Takes over a VisionROI install: copies its sources (config.json, the ROI file with its page
 * templates, every other file of the folder), its MQTT configs (passwords kept; written mode 0600)
 * and its running jobs (`service_state.json` beside `app.py`) into this project's data dir, and
 * reports what it took and what it could not (unknown modules, missing files). The VisionROI
 * checkout is only read. An existing source, MQTT config or job of the same name is refused unless
 * `--overwrite`.
 *
 * Usage: deno task import-visionroi <VisionROI checkout> [--data-dir DIR] [--overwrite]
 * (the data dir defaults to VISIONROI_DATA_DIR, then ./data_sources, as the server's).
 */
import { basename, isAbsolute, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { writeFileAtomic } from "../actors/runtime/snapshot_store.ts";
import { checkSourceString, checkStreamType, type SourceConfig } from "../storage/source_store.ts";
import { checkSourceName } from "../storage/safe_name.ts";
import { type ModuleNames, RoiValidationError, validateRois } from "../storage/roi_schema.ts";
import { MqttConfigStore } from "../storage/mqtt_config_store.ts";
import { normaliseStored } from "../storage/mqtt_config.ts";
import { normalizeCamState, ServiceStateFile } from "../storage/service_state.ts";
import { createRegistry } from "../inference_modules/registry.ts";

/** One line of the report: what, and why it was refused (refused items only). */
export interface ReportItem {
  item: string;
  reason?: string;
}

/** What an import took and what it could not. */
export interface ImportReport {
  taken: ReportItem[];
  refused: ReportItem[];
}

/** What to import from where. */
export interface ImportOptions {
  /** The VisionROI checkout (the folder of `app.py`). */
  checkout: string;
  /** This project's data dir (created when missing). */
  dataDir: string;
  /** Replace sources, MQTT configs and jobs of the same name. */
  overwrite?: boolean;
  /** The module names ROIs may use; default: this project's registry over `dataDir`. */
  modules?: ModuleNames;
}

type Obj = Record<string, unknown>;

/** Imports a VisionROI checkout into a data dir; writes nothing into the checkout. */
export async function importVisionRoi(opts: ImportOptions): Promise<ImportReport> {
  const report: ImportReport = { taken: [], refused: [] };
  const checkout = resolve(opts.checkout);
  const dataDir = resolve(opts.dataDir);
  const from = join(checkout, "data_sources");
  if (!(await isDir(checkout))) throw new Error(`${checkout}: not a folder`);
  await Deno.mkdir(dataDir, { recursive: true });
  const modules = opts.modules ?? await registryNames(dataDir);
  // The data dir may be the checkout's own data_sources/ (pointed at the same folder): the sources
  // are there already; only the files beside app.py are taken.
  const inPlace = await isDir(from) &&
    (await Deno.realPath(from)) === (await Deno.realPath(dataDir));
  const sources = new Set<string>();
  if (inPlace) {
    for await (const e of Deno.readDir(dataDir)) {
      if (!e.isDirectory || e.name.startsWith(".")) continue;
      if (await isFile(join(dataDir, e.name, "config.json"))) sources.add(e.name);
    }
    report.taken.push({ item: `sources: already in the data dir (${sources.size})` });
  } else if (await isDir(from)) {
    const names: string[] = [];
    for await (const e of Deno.readDir(from)) if (!e.name.startsWith(".")) names.push(e.name);
    for (const name of names.sort()) {
      const ok = await importSource(
        join(from, name),
        name,
        dataDir,
        checkout,
        modules,
        opts,
        report,
      );
      if (ok) sources.add(name);
    }
  } else {
    report.refused.push({ item: "data_sources/", reason: `missing file: ${from}` });
  }
  await importMqtt(checkout, dataDir, opts, report);
  await importJobs(checkout, dataDir, sources, opts, report);
  return report;
}

async function registryNames(dataDir: string): Promise<ModuleNames> {
  const reg = await createRegistry({ dataDir, log: () => {} });
  return {
    names: () => reg.list().map((d) => d.name),
    has: (n) => reg.get(n) !== undefined,
    validateParams: (n, p) => reg.validateParams(n, p),
  };
}

/** One source folder; true when it was taken. */
async function importSource(
  src: string,
  rawName: string,
  dataDir: string,
  checkout: string,
  modules: ModuleNames,
  opts: ImportOptions,
  report: ImportReport,
): Promise<boolean> {
  const what = `source ${rawName}`;
  const refuse = (reason: string) => (report.refused.push({ item: what, reason }), false);
  const info = await Deno.lstat(src);
  if (!info.isDirectory) return refuse("not a folder");
  let name: string;
  try {
    name = checkSourceName(rawName);
  } catch (err) {
    return refuse((err as Error).message);
  }
  let raw: Obj;
  try {
    raw = JSON.parse(await Deno.readTextFile(join(src, "config.json")));
    if (!raw || typeof raw !== "object" || Array.isArray(raw)) throw new Error("not an object");
  } catch (err) {
    return refuse(
      err instanceof Deno.errors.NotFound
        ? `missing file: ${join(src, "config.json")}`
        : `config.json unreadable: ${(err as Error).message}`,
    );
  }
  const cfg: SourceConfig = { ...raw, name } as SourceConfig;
  try {
    cfg.source = checkSourceString(
      typeof raw.source === "number" ? String(raw.source) : raw.source,
    );
    cfg.stream_type = checkStreamType(raw.stream_type ?? "opencv");
  } catch (err) {
    return refuse((err as Error).message);
  }
  const roisName = typeof raw.rois === "string" && raw.rois ? raw.rois : "rois.json";
  if (basename(roisName) !== roisName || roisName.startsWith(".")) {
    return refuse(`ROI file ${JSON.stringify(roisName)} is not a file of the source folder`);
  }
  // A file path relative to VisionROI's folder would not be found from here: made absolute.
  if (looksLikePath(cfg.source)) {
    const abs = isAbsolute(cfg.source) ? cfg.source : join(checkout, cfg.source);
    if (await isFile(abs)) cfg.source = abs;
    else {report.refused.push({
        item: `${what}: file ${cfg.source}`,
        reason: `missing file: ${abs}`,
      });}
  }
  const target = join(dataDir, name);
  if (await exists(target) && !opts.overwrite) {
    return refuse(`${target} exists (use --overwrite to replace it)`);
  }
  const tmp = join(dataDir, `.${name}.import-${Date.now()}`);
  try {
    await copyTree(src, tmp, `${what}: `, report);
    let rois: unknown[] = [];
    try {
      const parsed = JSON.parse(await Deno.readTextFile(join(src, roisName)));
      if (Array.isArray(parsed)) rois = parsed;
      else {report.refused.push({
          item: `${what}: ${roisName}`,
          reason: "not a list; no ROIs taken",
        });}
    } catch (err) {
      report.refused.push({
        item: `${what}: ${roisName}`,
        reason: err instanceof Deno.errors.NotFound
          ? `missing file: ${join(src, roisName)}`
          : `unreadable: ${(err as Error).message}`,
      });
    }
    const checked = checkRois(rois, modules, what, report);
    await writeFileAtomic(join(tmp, roisName), JSON.stringify(checked, null, 2) + "\n");
    await writeFileAtomic(join(tmp, "config.json"), JSON.stringify({ ...cfg, rois: roisName }));
    if (opts.overwrite) await Deno.remove(target, { recursive: true }).catch(() => {});
    await Deno.rename(tmp, target);
    const pages = checked.filter((r) => (r as Obj).type === "page");
    const templates = pages.filter((r) => typeof (r as Obj).image === "string").length;
    report.taken.push({
      item: `${what} (${checked.length - pages.length} ROIs, ${pages.length} pages, ` +
        `${templates} with template)`,
    });
    return true;
  } catch (err) {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    return refuse((err as Error).message);
  }
}

/**
 * Validates a ROI list with the project's validator; an entry it refuses is dealt with and the list
 * checked again: an unknown module (or params the module refuses) leaves the ROI without a module
 * (kept under `visionroi_module`, reported); any other fault drops the entry (reported).
 */
function checkRois(list: unknown[], modules: ModuleNames, what: string, report: ImportReport) {
  const rois = [...list];
  for (let tries = 0; tries <= list.length * 2 + 1; tries++) {
    try {
      return validateRois(rois, { modules });
    } catch (err) {
      if (!(err instanceof RoiValidationError) || err.index === undefined) {
        report.refused.push({ item: `${what}: ROIs`, reason: (err as Error).message });
        return [];
      }
      const i = err.index;
      const entry = rois[i] as Obj;
      const label = `${what}: ROI ${JSON.stringify(err.roiId ?? i + 1)}`;
      if ((err.field === "module" || err.field === "params") && entry && entry.module) {
        report.refused.push({
          item: `${label} module ${JSON.stringify(entry.module)}`,
          reason:
            `${err.message}; the ROI is imported without a module (it reads nothing until one is set)`,
        });
        const { params: _p, ...rest } = entry;
        rois[i] = { ...rest, module: "", visionroi_module: entry.module };
      } else {
        report.refused.push({ item: label, reason: err.message });
        rois.splice(i, 1);
      }
    }
  }
  return [];
}

async function importMqtt(
  checkout: string,
  dataDir: string,
  opts: ImportOptions,
  report: ImportReport,
): Promise<void> {
  const path = join(checkout, "mqtt_configs.json");
  let parsed: unknown;
  try {
    parsed = JSON.parse(await Deno.readTextFile(path));
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return; // VisionROI writes it only once one is made
    report.refused.push({
      item: "mqtt_configs.json",
      reason: `unreadable: ${(err as Error).message}`,
    });
    return;
  }
  const entries: [unknown, string | undefined][] = Array.isArray(parsed)
    ? parsed.map((e) => [e, undefined])
    : parsed && typeof parsed === "object"
    ? Object.entries(parsed).map(([k, v]) => [v, k])
    : [];
  const store = new MqttConfigStore(dataDir);
  await store.load();
  for (const [i, [raw, hint]] of entries.entries()) {
    const cfg = normaliseStored(raw, hint);
    const what = `mqtt config ${cfg?.name ?? hint ?? `#${i + 1}`}`;
    if (!cfg) {
      report.refused.push({ item: what, reason: "no name or host" });
      continue;
    }
    try {
      if (store.get(cfg.name)) {
        if (!opts.overwrite) {
          report.refused.push({ item: what, reason: "exists (use --overwrite to replace it)" });
          continue;
        }
        await store.replace(cfg);
      } else await store.create(cfg);
      report.taken.push({ item: `${what} (${cfg.host}:${cfg.port})` });
    } catch (err) {
      report.refused.push({ item: what, reason: (err as Error).message });
    }
  }
}

async function importJobs(
  checkout: string,
  dataDir: string,
  sources: Set<string>,
  opts: ImportOptions,
  report: ImportReport,
): Promise<void> {
  const path = join(checkout, "service_state.json");
  let parsed: Obj;
  try {
    parsed = JSON.parse(await Deno.readTextFile(path));
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return;
    report.refused.push({
      item: "service_state.json",
      reason: `unreadable: ${(err as Error).message}`,
    });
    return;
  }
  const cams = parsed?.cameras && typeof parsed.cameras === "object" ? parsed.cameras as Obj : {};
  const file = new ServiceStateFile(dataDir);
  const state = await file.load();
  let changed = false;
  for (const [camId, raw] of Object.entries(cams)) {
    const what = `job ${camId}`;
    if (!raw || typeof raw !== "object") {
      report.refused.push({ item: what, reason: "not an object" });
      continue;
    }
    const cam = normalizeCamState(raw as Obj);
    if (!cam.inference_running) {
      report.refused.push({
        item: what,
        reason: "not running (VisionROI restores running jobs only)",
      });
      continue;
    }
    if (!sources.has(cam.active_source)) {
      report.refused.push({
        item: what,
        reason: `its source ${JSON.stringify(cam.active_source)} was not imported`,
      });
      continue;
    }
    if (state.cameras[camId] && !opts.overwrite) {
      report.refused.push({ item: what, reason: "exists (use --overwrite to replace it)" });
      continue;
    }
    // The camera is the imported source's (its file path made absolute).
    let cfg: SourceConfig;
    try {
      cfg = JSON.parse(await Deno.readTextFile(join(dataDir, cam.active_source, "config.json")));
    } catch (err) {
      report.refused.push({ item: what, reason: `its source's config: ${(err as Error).message}` });
      continue;
    }
    state.cameras[camId] = {
      ...cam,
      source: cfg.source,
      backend: cfg.stream_type ?? cam.backend,
      roi_running: false,
    };
    changed = true;
    report.taken.push({ item: `${what} (source ${cam.active_source}, running)` });
  }
  if (changed) await file.save(state);
}

/** Copies regular files and folders; links and other kinds are reported and left out. */
async function copyTree(src: string, dst: string, prefix: string, report: ImportReport) {
  await Deno.mkdir(dst, { recursive: true });
  for await (const e of Deno.readDir(src)) {
    const from = join(src, e.name);
    if (e.isSymlink) {
      report.refused.push({ item: `${prefix}${e.name}`, reason: "a link; not copied" });
    } else if (e.isDirectory) {
      await copyTree(from, join(dst, e.name), `${prefix}${e.name}/`, report);
    } else if (e.isFile) await Deno.copyFile(from, join(dst, e.name));
  }
}

function looksLikePath(s: string): boolean {
  if (/^\d+$/.test(s) || s === "demo") return false;
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(s)?.[1];
  return !(scheme && scheme.length > 1);
}

async function isDir(p: string): Promise<boolean> {
  return (await Deno.stat(p).catch(() => undefined))?.isDirectory ?? false;
}

async function isFile(p: string): Promise<boolean> {
  return (await Deno.stat(p).catch(() => undefined))?.isFile ?? false;
}

async function exists(p: string): Promise<boolean> {
  return (await Deno.lstat(p).catch(() => undefined)) !== undefined;
}

/** The report as lines for a terminal. */
export function formatReport(r: ImportReport): string {
  const lines = [`Taken (${r.taken.length}):`, ...r.taken.map((t) => `  + ${t.item}`)];
  lines.push(`Not taken (${r.refused.length}):`);
  lines.push(...r.refused.map((t) => `  - ${t.item}: ${t.reason}`));
  return lines.join("\n");
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    allowPositionals: true,
    options: { "data-dir": { type: "string" }, overwrite: { type: "boolean" } },
  });
  if (positionals.length !== 1) {
    console.error(
      "usage: deno task import-visionroi <VisionROI checkout> [--data-dir DIR] [--overwrite]",
    );
    return 2;
  }
  const dataDir = values["data-dir"] ?? Deno.env.get("VISIONROI_DATA_DIR") ?? "./data_sources";
  const report = await importVisionRoi({
    checkout: positionals[0],
    dataDir,
    overwrite: values.overwrite,
  });
  console.log(`Imported ${resolve(positionals[0])} into ${resolve(dataDir)}`);
  console.log(formatReport(report));
  return 0;
}

if (import.meta.main) Deno.exit(await main());
