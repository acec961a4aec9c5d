/**
 * One MQTT broker config: VisionROI's fields, defaults and 400 messages (contract §1.4), plus the
 * options VisionROI lacks (TLS files, skip-verify, outbox size, Home Assistant discovery, control).
 */
import { isAbsolute, join, relative } from "node:path";
import { confinedPath, isInside, segmentTrick } from "./safe_name.ts";

/** A config as stored in `mqtt_configs.json`. */
export interface MqttConfig {
  name: string;
  host: string;
  port: number;
  username: string;
  /** Stored as VisionROI stores it (the file is mode 0600); never returned by the API. */
  password: string;
  base_topic: string;
  client_id: string;
  qos: 0 | 1 | 2;
  retain: boolean;
  keepalive: number;
  /** Seconds a QoS 1/2 publish may wait for its acknowledgement before the connection is reset. */
  publish_timeout: number;
  tls: boolean;
  /** CA bundle (PEM) to verify the broker, relative to the data dir; "" = system CAs. */
  tls_ca_file: string;
  /** Client certificate (PEM), relative to the data dir; "" = none. */
  tls_cert_file: string;
  /** Client key (PEM), relative to the data dir; "" = none. */
  tls_key_file: string;
  /** Skip verification of the broker's certificate (unsafe: anyone can impersonate the broker). */
  tls_insecure: boolean;
  /** Messages kept while the broker is away; beyond it the oldest are dropped and counted. */
  outbox_size: number;
  /** Publish Home Assistant discovery configs. */
  ha_discovery: boolean;
  /** Home Assistant discovery prefix. */
  ha_prefix: string;
  /** Accept commands on `<base_topic>/<cam_id>/set`. */
  control: boolean;
}

/** What the API shows: no password, `has_password` instead. */
export type MqttConfigView = Omit<MqttConfig, "password"> & { has_password: boolean };

/** Defaults of the fields a body may omit. */
export const MQTT_DEFAULTS = {
  port: 1883,
  username: "",
  password: "",
  base_topic: "",
  client_id: "",
  qos: 0,
  retain: false,
  keepalive: 60,
  publish_timeout: 5.0,
  tls: false,
  tls_ca_file: "",
  tls_cert_file: "",
  tls_key_file: "",
  tls_insecure: false,
  outbox_size: 10_000,
  ha_discovery: false,
  ha_prefix: "homeassistant",
  control: true,
} as const;

/** A VisionROI 400 with the exact message its clients match on ("invalid port"). */
function bad(message: string): never {
  throw new RangeError(message);
}

/** VisionROI's truthiness for `retain`/`tls`: bool, number ≠ 0, or 1/true/yes/y/on. */
export function truthy(v: unknown): boolean {
  if (typeof v === "boolean") return v;
  if (typeof v === "number") return v !== 0;
  if (typeof v === "string") {
    return ["1", "true", "yes", "y", "on"].includes(v.trim().toLowerCase());
  }
  return false;
}

/** Python's `int()` on a JSON value: integers, integral floats and integer strings. */
function toInt(v: unknown): number | undefined {
  if (typeof v === "number" && Number.isFinite(v)) return Math.trunc(v);
  if (typeof v === "string" && /^\s*[+-]?\d+\s*$/.test(v)) return Number(v.trim());
  if (typeof v === "boolean") return v ? 1 : 0;
  return undefined;
}

/** Python's `float()` on a JSON value. */
function toFloat(v: unknown): number | undefined {
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

const str = (v: unknown) => (v === undefined || v === null ? "" : String(v));

/**
 * Builds a config from a POST/PUT body over `base` (the stored config for PUT, defaults for POST).
 * Throws VisionROI's 400s for its own fields and RangeErrors naming field and value for the rest.
 */
export async function parseMqttBody(
  body: Record<string, unknown>,
  opts: { dataDir: string; base?: MqttConfig },
): Promise<MqttConfig> {
  const base = opts.base;
  const has = (k: string) => body[k] !== undefined && body[k] !== null;
  const name = base ? base.name : str(body.name).trim();
  const host = has("host") ? str(body.host).trim() : base?.host ?? "";
  if (!name || !host) bad("missing data");
  checkName(name);
  const port = has("port") ? toInt(body.port) : base?.port ?? MQTT_DEFAULTS.port;
  if (port === undefined || port < 1 || port > 65535) bad("invalid port");
  const qos = has("qos") ? toInt(body.qos) ?? 0 : base?.qos ?? MQTT_DEFAULTS.qos;
  if (qos !== 0 && qos !== 1 && qos !== 2) bad("invalid qos");
  const keepalive = has("keepalive") ? toInt(body.keepalive) : base?.keepalive ?? 60;
  if (keepalive === undefined || keepalive <= 0) bad("invalid keepalive");
  const timeout = has("publish_timeout")
    ? toFloat(body.publish_timeout)
    : base?.publish_timeout ?? 5;
  if (timeout === undefined) bad("invalid publish_timeout");
  const text = (k: "username" | "base_topic" | "client_id") =>
    has(k) ? str(body[k]).trim() : base?.[k] ?? "";
  const flag = (k: "retain" | "tls" | "tls_insecure" | "ha_discovery" | "control") =>
    has(k) ? truthy(body[k]) : base?.[k] ?? MQTT_DEFAULTS[k];
  const cfg: MqttConfig = {
    name,
    host,
    port,
    username: text("username"),
    // An omitted password keeps the stored one (PUT); VisionROI does not trim it.
    password: has("password") ? str(body.password) : base?.password ?? "",
    base_topic: text("base_topic"),
    client_id: text("client_id"),
    qos,
    retain: flag("retain"),
    keepalive,
    publish_timeout: Math.max(0.1, timeout),
    tls: flag("tls"),
    tls_ca_file: await tlsFile(body, "tls_ca_file", opts.dataDir, base),
    tls_cert_file: await tlsFile(body, "tls_cert_file", opts.dataDir, base),
    tls_key_file: await tlsFile(body, "tls_key_file", opts.dataDir, base),
    tls_insecure: flag("tls_insecure"),
    outbox_size: outboxSize(has("outbox_size") ? body.outbox_size : base?.outbox_size),
    ha_discovery: flag("ha_discovery"),
    ha_prefix: haPrefix(has("ha_prefix") ? body.ha_prefix : base?.ha_prefix),
    control: flag("control"),
  };
  if (Boolean(cfg.tls_cert_file) !== Boolean(cfg.tls_key_file)) {
    throw new RangeError(
      `invalid tls_cert_file ${JSON.stringify(cfg.tls_cert_file)}: a client certificate needs ` +
        `tls_key_file too (got ${JSON.stringify(cfg.tls_key_file)})`,
    );
  }
  return cfg;
}

/**
 * A config name must be usable in a URL and a file: no control characters, at most 100 chars, no
 * bidi or full-width look-alike tricks.
 */
function checkName(name: string): void {
  // deno-lint-ignore no-control-regex
  if (/[\u0000-\u001f\u007f/\\]/.test(name) || name.length > 100 || segmentTrick(name)) {
    throw new RangeError(
      `invalid name ${
        JSON.stringify(name)
      }: at most 100 characters, no slashes, control or bidi characters`,
    );
  }
}

/** A TLS file path: empty, or a file inside the data dir (given relative, or absolute inside). */
async function tlsFile(
  body: Record<string, unknown>,
  field: "tls_ca_file" | "tls_cert_file" | "tls_key_file",
  dataDir: string,
  base?: MqttConfig,
): Promise<string> {
  const raw = body[field] === undefined || body[field] === null ? base?.[field] ?? "" : body[field];
  if (typeof raw !== "string") {
    throw new RangeError(`invalid ${field}: expected a path string, got ${typeof raw}`);
  }
  const trimmed = raw.trim();
  if (trimmed === "") return "";
  const rel = isAbsolute(trimmed) ? relative(dataDir, trimmed) : trimmed;
  const full = await confinedPath(dataDir, rel, field);
  // A newly given file must lie in certs/ (the folder the page offers); a stored path from before
  // that rule keeps working until it is changed.
  if (raw !== base?.[field] && !isInside(join(dataDir, TLS_DIR), full)) {
    throw new RangeError(
      `invalid ${field} ${JSON.stringify(raw)}: TLS files must be in the data dir's ` +
        `${TLS_DIR}/ folder (e.g. "${TLS_DIR}/ca.pem")`,
    );
  }
  try {
    const st = await Deno.stat(full);
    if (!st.isFile) throw new RangeError(`invalid ${field} ${JSON.stringify(raw)}: not a file`);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
    throw new RangeError(`invalid ${field} ${JSON.stringify(raw)}: no such file in the data dir`);
  }
  return rel;
}

/** The data dir's folder for TLS files (CA bundles, client certificates and keys) the UI offers. */
export const TLS_DIR = "certs";

/** Most files {@linkcode listTlsFiles} answers. */
const MAX_TLS_FILES = 500;

/**
 * The files in `<dataDir>/certs/` and its subfolders (links and hidden files left out), as paths
 * relative to the data dir (`certs/ca.pem`), sorted; [] when the folder does not exist.
 */
export async function listTlsFiles(dataDir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string, depth: number) => {
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(`${dataDir}/${rel}`));
    } catch (err) {
      if (err instanceof Deno.errors.NotFound || err instanceof Deno.errors.NotADirectory) return;
      throw err;
    }
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (e.name.startsWith(".") || out.length >= MAX_TLS_FILES) continue;
      if (e.isFile) out.push(`${rel}/${e.name}`);
      else if (e.isDirectory && depth < 3) await walk(`${rel}/${e.name}`, depth + 1);
    }
  };
  await walk(TLS_DIR, 0);
  return out;
}

function outboxSize(raw: unknown): number {
  if (raw === undefined || raw === null || raw === "") return MQTT_DEFAULTS.outbox_size;
  const n = toInt(raw);
  if (n === undefined || n < 1 || n > 1_000_000 || (typeof raw === "number" && n !== raw)) {
    throw new RangeError(
      `invalid outbox_size ${JSON.stringify(raw)}: expected an integer 1..1000000`,
    );
  }
  return n;
}

function haPrefix(raw: unknown): string {
  if (raw === undefined || raw === null || raw === "") return MQTT_DEFAULTS.ha_prefix;
  if (typeof raw !== "string" || !/^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/.test(raw.trim())) {
    throw new RangeError(
      `invalid ha_prefix ${
        JSON.stringify(raw)
      }: expected topic segments of letters, digits, _ and -`,
    );
  }
  return raw.trim();
}

/**
 * Normalises an entry read from `mqtt_configs.json` the way VisionROI's loader does: undefined
 * without name or host; port coerced (default 1883), qos clamped to 0..2; our fields defaulted.
 */
export function normaliseStored(raw: unknown, nameHint?: string): MqttConfig | undefined {
  if (!raw || typeof raw !== "object") return undefined;
  const r = raw as Record<string, unknown>;
  const name = str(r.name ?? nameHint).trim();
  const host = str(r.host).trim();
  if (!name || !host) return undefined;
  const port = toInt(r.port);
  const qos = Math.min(2, Math.max(0, toInt(r.qos) ?? 0)) as 0 | 1 | 2;
  const keepalive = toInt(r.keepalive);
  const outbox = toInt(r.outbox_size);
  return {
    name,
    host,
    port: port !== undefined && port >= 1 && port <= 65535 ? port : 1883,
    username: str(r.username).trim(),
    password: str(r.password),
    base_topic: str(r.base_topic).trim(),
    client_id: str(r.client_id).trim(),
    qos,
    retain: truthy(r.retain),
    keepalive: keepalive && keepalive > 0 ? keepalive : 60,
    publish_timeout: Math.max(0.1, toFloat(r.publish_timeout) ?? 5),
    tls: truthy(r.tls),
    tls_ca_file: str(r.tls_ca_file).trim(),
    tls_cert_file: str(r.tls_cert_file).trim(),
    tls_key_file: str(r.tls_key_file).trim(),
    tls_insecure: truthy(r.tls_insecure),
    outbox_size: outbox && outbox > 0 ? Math.min(outbox, 1_000_000) : MQTT_DEFAULTS.outbox_size,
    ha_discovery: truthy(r.ha_discovery),
    ha_prefix: typeof r.ha_prefix === "string" && r.ha_prefix.trim()
      ? r.ha_prefix.trim()
      : MQTT_DEFAULTS.ha_prefix,
    control: r.control === undefined ? true : truthy(r.control),
  };
}

/** The API's view of a config. */
export function publicView(cfg: MqttConfig): MqttConfigView {
  const { password, ...rest } = cfg;
  return { ...rest, has_password: password !== "" };
}
