/**
 * The module registry: an explicit list of built-in descriptors plus user modules found under
 * `<dataDir>/inference_modules/<name>/descriptor.ts` (or `.js`). A user module's name must match
 * {@linkcode MODULE_NAME_PATTERN} and its engine must live inside its own folder.
 */
import type { ModuleDescriptor, ModulePermissions } from "./module_types.ts";
import type { DescriptorLookup } from "./pool_types.ts";
import { paramsError } from "./params_error.ts";
import { descriptor as digits } from "./digits/descriptor.ts";
import { descriptor as lightButton } from "./light_button/descriptor.ts";
import { descriptor as rapidOcr } from "./rapid_ocr/descriptor.ts";
import { descriptor as sevenseg } from "./sevenseg/descriptor.ts";
import { descriptor as tesseractOcr } from "./tesseract_ocr/descriptor.ts";
import { descriptor as typhoonOcr } from "./typhoon_ocr/descriptor.ts";
import { descriptor as yolo } from "./yolo/descriptor.ts";

/** Built-in modules, in the order the UI lists them. */
export const BUILTIN_MODULES: readonly ModuleDescriptor[] = [
  tesseractOcr,
  rapidOcr,
  digits,
  sevenseg,
  lightButton,
  yolo,
  typhoonOcr,
];

/**
 * VisionROI's module names that run here on another engine: a ROI file naming one is saved and read
 * unchanged, its results carry `module` (the alias) and `engine` (the module that ran).
 */
export const MODULE_ALIASES: Readonly<Record<string, string>> = Object.freeze({
  easy_ocr: "rapid_ocr",
  trocr: "rapid_ocr",
});

/** A module name that stands for another module. */
export interface ModuleAlias {
  /** The name ROI files use (`easy_ocr`). */
  name: string;
  /** The module that runs in its place (`rapid_ocr`). */
  engine: string;
}

/** Allowed module (and user-module folder) names. */
export const MODULE_NAME_PATTERN = /^[a-z0-9_]{1,64}$/;

/** A user module that was not loaded, and why. */
export interface ModuleProblem {
  /** Folder name. */
  name: string;
  /** Why it was skipped. */
  message: string;
}

/** Lookup, listing and params validation for every known module. */
export interface ModuleRegistry extends DescriptorLookup {
  /** Every module, built-ins first (aliases not included: see `aliases`). */
  list(): ModuleDescriptor[];
  /** VisionROI names that run on another module here, in name order. */
  aliases(): ModuleAlias[];
  /** Parses `params` with the module's schema (defaults filled); throws RangeError naming the field. */
  validateParams(name: string, params: unknown): Record<string, unknown>;
  /** User modules that were skipped, with reasons. */
  readonly problems: readonly ModuleProblem[];
}

/** Options of {@linkcode createRegistry}. */
export interface RegistryOptions {
  /** Data dir whose `inference_modules/` holds user modules; default none (built-ins only). */
  dataDir?: string;
  /** Built-ins to register; default {@linkcode BUILTIN_MODULES}. */
  builtins?: readonly ModuleDescriptor[];
  /** Alias name → module name; default {@linkcode MODULE_ALIASES}. */
  aliases?: Readonly<Record<string, string>>;
  /** Receives a line per skipped user module; default `console.warn`. */
  log?: (line: string) => void;
}

/** Builds the registry: built-ins, then user modules from `<dataDir>/inference_modules/`. */
export async function createRegistry(opts: RegistryOptions = {}): Promise<ModuleRegistry> {
  const byName = new Map<string, ModuleDescriptor>();
  for (const d of opts.builtins ?? BUILTIN_MODULES) byName.set(d.name, d);
  const problems: ModuleProblem[] = [];
  if (opts.dataDir) {
    const found = await loadUserModules(`${opts.dataDir}/inference_modules`);
    for (const item of found) {
      if ("message" in item) problems.push(item);
      else if (byName.has(item.name)) {
        problems.push({ name: item.name, message: "has the name of a built-in module" });
      } else byName.set(item.name, item);
    }
  }
  const log = opts.log ?? ((line: string) => console.warn(line));
  for (const p of problems) log(`user module "${p.name}" skipped: ${p.message}`);
  // A module of the alias's own name (a user module `easy_ocr`) wins over the alias.
  const aliases = Object.entries(opts.aliases ?? MODULE_ALIASES)
    .filter(([name, engine]) => !byName.has(name) && byName.has(engine))
    .map(([name, engine]) => ({ name, engine }))
    .sort((a, b) => a.name.localeCompare(b.name));
  const engineOf = new Map(aliases.map((a) => [a.name, a.engine]));
  const get = (name: string) => byName.get(name) ?? byName.get(engineOf.get(name) ?? "");
  return {
    problems,
    list: () => [...byName.values()],
    aliases: () => aliases.map((a) => ({ ...a })),
    get,
    validateParams(name, params) {
      const d = get(name);
      if (!d) throw new RangeError(`unknown module "${name}"`);
      const parsed = d.params.safeParse(params ?? {});
      if (!parsed.success) throw new RangeError(`module "${name}": ${paramsError(parsed.error)}`);
      return parsed.data;
    },
  };
}

/** Loads every user module folder under `root`; a missing `root` means none. */
export async function loadUserModules(
  root: string,
): Promise<(ModuleDescriptor | ModuleProblem)[]> {
  let rootReal: string;
  try {
    rootReal = await Deno.realPath(root);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  }
  const out: (ModuleDescriptor | ModuleProblem)[] = [];
  for await (const entry of Deno.readDir(rootReal)) {
    if (!entry.isDirectory && !entry.isSymlink) continue;
    if (!MODULE_NAME_PATTERN.test(entry.name)) {
      out.push({ name: entry.name, message: `name must match ${MODULE_NAME_PATTERN}` });
      continue;
    }
    out.push(await loadUserModule(rootReal, entry.name));
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

async function loadUserModule(
  rootReal: string,
  name: string,
): Promise<ModuleDescriptor | ModuleProblem> {
  const problem = (message: string): ModuleProblem => ({ name, message });
  const folder = await Deno.realPath(`${rootReal}/${name}`);
  if (!folder.startsWith(`${rootReal}/`)) {
    return problem("folder resolves outside inference_modules/");
  }
  const file = await firstExisting([`${folder}/descriptor.ts`, `${folder}/descriptor.js`]);
  if (!file) return problem("has no descriptor.ts or descriptor.js");
  const real = await Deno.realPath(file);
  if (!real.startsWith(`${folder}/`)) return problem("descriptor resolves outside its folder");
  let mod: Record<string, unknown>;
  try {
    mod = await import(new URL(`file://${real}`).href);
  } catch (e) {
    return problem(`descriptor failed to load: ${(e as Error).message}`);
  }
  const d = mod.descriptor as ModuleDescriptor | undefined;
  if (!d || typeof d !== "object") return problem("descriptor file exports no `descriptor`");
  if (d.name !== name) return problem(`descriptor name "${d.name}" differs from its folder`);
  if (typeof d.params?.safeParse !== "function") {
    return problem("descriptor.params is not a zod schema");
  }
  if (!(d.engineUrl instanceof URL) || d.engineUrl.protocol !== "file:") {
    return problem("descriptor.engineUrl must be a file: URL");
  }
  const engine = await firstExisting([decodeURIComponent(d.engineUrl.pathname)]);
  if (!engine) return problem(`engine ${d.engineUrl.pathname} does not exist`);
  if (!(await Deno.realPath(engine)).startsWith(`${folder}/`)) {
    return problem("engine resolves outside its folder");
  }
  const permissions = checkPermissions(d.permissions);
  if (typeof permissions === "string") return problem(permissions);
  return Object.freeze({ ...d, permissions, userFolder: folder });
}

/** Host entries become one `--allow-net=` flag: no commas, spaces or anything but a host[:port]. */
const NET_HOST = /^(?:[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;

/** The declared permissions, or why they are refused. */
function checkPermissions(p: unknown): ModulePermissions | string {
  if (p === undefined) return {};
  if (!p || typeof p !== "object") return "descriptor.permissions must be an object";
  const { net, read } = p as { net?: unknown; read?: unknown };
  const out: { net?: boolean | string[]; read?: string[] } = {};
  if (typeof net === "boolean") out.net = net;
  else if (net !== undefined) {
    if (!Array.isArray(net)) return "descriptor.permissions.net must be true, false or a host list";
    const bad = net.find((h) => typeof h !== "string" || !NET_HOST.test(h));
    if (bad !== undefined) {
      return `descriptor.permissions.net: ${JSON.stringify(bad)} is not a host[:port]`;
    }
    out.net = [...net];
  }
  if (read !== undefined) {
    if (!Array.isArray(read)) return "descriptor.permissions.read must be a list of paths";
    const bad = read.find((r) => typeof r !== "string" || !DATA_PATH.test(r));
    if (bad !== undefined) {
      return `descriptor.permissions.read: ${JSON.stringify(bad)} is not a path inside the data ` +
        "dir (relative, no hidden names, no ..)";
    }
    out.read = [...read];
  }
  return out;
}

/** A data-dir-relative path: segments of safe characters, none starting with a dot. */
const DATA_PATH =
  /^(?:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})(?:\/[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}){0,15}$/;

async function firstExisting(paths: string[]): Promise<string | undefined> {
  for (const p of paths) {
    try {
      if ((await Deno.stat(p)).isFile) return p;
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  }
  return undefined;
}
