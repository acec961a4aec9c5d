/** Where a YOLO ROI's model and labels come from: paths under the data dir, or absolute. */
import { isAbsolute, join, normalize, relative } from "node:path";
import { COCO_LABELS } from "./coco_labels.ts";

/**
 * Resolves a model or labels path: absolute paths are taken as they are (the user chose them);
 * relative ones resolve under `<dataDir>/models/` and may not climb out of it.
 */
export function resolveModelFile(dataDir: string, path: string, field: string): string {
  if (path.trim() === "") throw new TypeError(`params.${field}: must not be empty`);
  if (isAbsolute(path)) return normalize(path);
  const root = join(dataDir, "models");
  const full = join(root, path);
  const rel = relative(root, full);
  if (rel.startsWith("..") || isAbsolute(rel)) {
    throw new RangeError(`params.${field}: "${path}" leaves the data dir's models/ folder`);
  }
  return full;
}

/** Parses Ultralytics' `names` metadata, a Python dict literal `{0: 'person', 1: 'bicycle'}`. */
export function parseNamesMetadata(names: string): string[] | undefined {
  const out: string[] = [];
  for (const m of names.matchAll(/(\d+)\s*:\s*(['"])(.*?)\2/g)) out[Number(m[1])] = m[3];
  return out.length > 0 && !out.includes(undefined as unknown as string) ? out : undefined;
}

/** Class names: an inline list, a classes.txt (one per line), the model's metadata, or COCO-80. */
export async function loadLabels(
  spec: string | string[] | undefined,
  opts: { dataDir: string; metadata: Record<string, string>; classes: number },
): Promise<readonly string[]> {
  if (Array.isArray(spec)) return spec;
  if (typeof spec === "string") {
    const text = await Deno.readTextFile(resolveModelFile(opts.dataDir, spec, "labels"));
    return text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== "");
  }
  const fromModel = opts.metadata["names"] ? parseNamesMetadata(opts.metadata["names"]) : undefined;
  if (fromModel) return fromModel;
  return opts.classes === COCO_LABELS.length ? COCO_LABELS : [];
}
