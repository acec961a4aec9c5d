/**
 * The one place that reads flags and environment. Everything else receives a typed {@linkcode Config}.
 * Every flag, its variable, default and meaning: {@linkcode FLAGS} (printed by `--help`).
 */
import { parseArgs } from "node:util";
import { resolve } from "node:path";
import { hostname } from "node:os";
import { z } from "zod";

/** Every flag: `[flag, environment variable, default, meaning]` (`--help` prints them). */
export const FLAGS: readonly (readonly [string, string, string, string])[] = [
  ["--port", "VISIONROI_PORT", "5000", "HTTP port (0 picks a free one)"],
  ["--host", "VISIONROI_HOST", "127.0.0.1", "bind address"],
  ["--data-dir", "VISIONROI_DATA_DIR", "./data_sources", "sources, ROIs, state, database"],
  ["--no-demo", "VISIONROI_NO_DEMO=1", "demo on", "skip creating and starting the demo source"],
  ["--workers", "VISIONROI_WORKERS", "cores", "most ROI worker threads (the pool starts with one)"],
  ["--onnx-backend", "VISIONROI_ONNX_BACKEND", "auto", "auto, web (WASM) or node (native)"],
  [
    "--idle-timeout",
    "VISIONROI_IDLE_TIMEOUT",
    "60",
    "seconds before a camera woken only by a request stops",
  ],
  [
    "--preview-lease",
    "VISIONROI_PREVIEW_LEASE",
    "60",
    "seconds a roi_* preview lives without a page holding it",
  ],
  [
    "--auth",
    "VISIONROI_AUTH",
    "auto",
    "auto: token required unless bound to loopback; required: always",
  ],
  ["--batch-workers", "VISIONROI_BATCH_WORKERS", "1", "batch tasks processed at once"],
  ["--max-upload", "VISIONROI_MAX_UPLOAD", "2 GiB", "largest batch upload in bytes (413 beyond)"],
  ["--max-queued", "VISIONROI_MAX_QUEUED", "100", "pending batch tasks accepted (429 beyond)"],
  [
    "--results-retention-days",
    "VISIONROI_RESULTS_RETENTION_DAYS",
    "30",
    "live results history kept",
  ],
  [
    "--results-max-rows",
    "VISIONROI_RESULTS_MAX_ROWS",
    "1000000",
    "live history rows kept (newest; ~125 MB)",
  ],
  [
    "--allowed-hosts",
    "VISIONROI_ALLOWED_HOSTS",
    "none",
    "extra Host names answered (comma list; .x.org = subdomains)",
  ],
  [
    "--ws-buffer",
    "VISIONROI_WS_BUFFER",
    "2 MiB",
    "bytes held per WebSocket client before its oldest messages drop",
  ],
  [
    "--ws-stall-timeout",
    "VISIONROI_WS_STALL_TIMEOUT",
    "30",
    "seconds a full client may read nothing before a 1008 close",
  ],
  [
    "--nats",
    "VISIONROI_NATS",
    "none",
    "cluster mode: NATS server URLs (comma list, nats://host:4222)",
  ],
  ["--node-id", "VISIONROI_NODE_ID", "hostname", "this node's name in the cluster"],
  [
    "--capacity",
    "VISIONROI_CAPACITY",
    "measured",
    "ROI reads/s this node takes on in cluster mode (unset: measured at start, 100 if that fails)",
  ],
  ["--nats-replicas", "VISIONROI_NATS_REPLICAS", "URLs, at most 3", "copies of each KV bucket"],
  ["—", "VISIONROI_NATS_USER, _PASS, _TOKEN", "none", "NATS credentials"],
];

/** What `--help` prints. */
export function usage(): string {
  const w = [0, 1, 2].map((i) => Math.max(...FLAGS.map((f) => f[i].length)));
  const lines = FLAGS.map((f) =>
    `  ${f[0].padEnd(w[0])}  ${f[1].padEnd(w[1])}  ${f[2].padEnd(w[2])}  ${f[3]}`
  );
  return [
    "Usage: deno task start [-- OPTIONS]   (a compiled binary: visionroi [OPTIONS])",
    "",
    "Options (a flag wins over its environment variable, which wins over the default):",
    ...lines,
  ].join("\n");
}

/** Validated settings of one server process. */
export interface Config {
  /** TCP port; 0 = any free port. */
  port: number;
  /** Bind address. */
  host: string;
  /** Absolute path of the data directory. */
  dataDir: string;
  /** Create and start the demo source on a fresh data dir. */
  demo: boolean;
  /** ROI worker threads. */
  workers: number;
  /** ONNX runtime choice. */
  onnxBackend: "auto" | "web" | "node";
  /** Seconds before an on-demand camera is passivated. */
  idleTimeoutS: number;
  /** Seconds a leased (`roi_*`) preview stream lives with no page holding it. */
  previewLeaseS: number;
  /** Access control: `auto` needs the token off loopback only, `required` always. */
  auth: "auto" | "required";
  /** Batch tasks processed at once. */
  batchWorkers: number;
  /** Largest batch upload, bytes. */
  maxUploadBytes: number;
  /** Pending batch tasks accepted before 429. */
  maxQueued: number;
  /** Days of live results history kept. */
  resultsRetentionDays: number;
  /** Rows of live results history kept. */
  resultsMaxRows: number;
  /** `Host` names answered besides loopback (and, off loopback, IP literals and this machine's name). */
  allowedHosts: string[];
  /** Bytes held per WebSocket client (unsent by the socket plus waiting) before messages drop. */
  wsBufferBytes: number;
  /** Seconds a client whose buffer is full may read nothing before it is closed with 1008. */
  wsStallTimeoutS: number;
  /** Cluster mode: NATS server URLs; empty = single node (files only). */
  nats: string[];
  /** This node's name in the cluster. */
  nodeId: string;
  /** ROI reads/s this node takes on (cluster placement). */
  capacity: number;
  /** True when `--capacity` was not given: cluster mode measures it at start (`capacity` is the fallback). */
  capacityMeasure?: boolean;
  /** Copies of each KV bucket. */
  natsReplicas: number;
  /** NATS credentials (environment only). */
  natsAuth: { user?: string; pass?: string; token?: string };
}

const schema = z.object({
  port: z.coerce.number().int().min(0).max(65535),
  host: z.string().min(1),
  dataDir: z.string().min(1),
  demo: z.boolean(),
  workers: z.coerce.number().int().min(1).max(64),
  onnxBackend: z.enum(["auto", "web", "node"]),
  idleTimeoutS: z.coerce.number().positive().max(86_400),
  previewLeaseS: z.coerce.number().positive().max(86_400),
  auth: z.enum(["auto", "required"]),
  batchWorkers: z.coerce.number().int().min(1).max(64),
  maxUploadBytes: z.coerce.number().int().min(1),
  maxQueued: z.coerce.number().int().min(1),
  resultsRetentionDays: z.coerce.number().positive(),
  resultsMaxRows: z.coerce.number().int().min(1),
  allowedHosts: z.string().transform((v) =>
    v.split(",").map((h) => h.trim().toLowerCase()).filter((h) => h !== "")
  ).pipe(z.array(z.string().regex(/^\.?[a-z0-9_.-]+$|^\[[0-9a-f:.]+\]$/, "expected host names"))),
  wsBufferBytes: z.coerce.number().int().min(65_536).max(1024 ** 3),
  wsStallTimeoutS: z.coerce.number().positive().max(86_400),
  nats: z.string().transform((v) => v.split(",").map((u) => u.trim()).filter((u) => u !== ""))
    .pipe(z.array(z.string().regex(/^(nats|tls):\/\/[^\s,]+$/, "expected nats://host:port URLs"))),
  nodeId: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, "expected letters, digits, _ . - (1-64)"),
  capacity: z.coerce.number().positive(),
  natsReplicas: z.coerce.number().int().min(1).max(5).optional(),
});

/** Raised for a flag or variable with a bad value; the message names it. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Parses flags (`args`) over environment variables (`env`) over defaults. */
export function loadConfig(
  args: readonly string[] = Deno.args,
  env: (name: string) => string | undefined = (n) => Deno.env.get(n),
): Config {
  let parsed0;
  try {
    parsed0 = parseArgs({
      args: [...args],
      options: {
        port: { type: "string" },
        host: { type: "string" },
        "data-dir": { type: "string" },
        "no-demo": { type: "boolean" },
        workers: { type: "string" },
        "onnx-backend": { type: "string" },
        "idle-timeout": { type: "string" },
        "preview-lease": { type: "string" },
        auth: { type: "string" },
        "batch-workers": { type: "string" },
        "max-upload": { type: "string" },
        "max-queued": { type: "string" },
        "results-retention-days": { type: "string" },
        "results-max-rows": { type: "string" },
        "allowed-hosts": { type: "string" },
        "ws-buffer": { type: "string" },
        "ws-stall-timeout": { type: "string" },
        nats: { type: "string" },
        "node-id": { type: "string" },
        capacity: { type: "string" },
        "nats-replicas": { type: "string" },
      },
      strict: true,
    });
  } catch (err) {
    // node:util's own message (`Unknown option '--x'`) names the option; no stack trace for users.
    throw new ConfigError(`${(err as Error).message} (see --help)`);
  }
  const { values } = parsed0;
  const raw = {
    port: values.port ?? env("VISIONROI_PORT") ?? "5000",
    host: values.host ?? env("VISIONROI_HOST") ?? "127.0.0.1",
    dataDir: values["data-dir"] ?? env("VISIONROI_DATA_DIR") ?? "./data_sources",
    demo: !(values["no-demo"] ?? env("VISIONROI_NO_DEMO") === "1"),
    workers: values.workers ?? env("VISIONROI_WORKERS") ??
      String(navigator.hardwareConcurrency || 2),
    onnxBackend: values["onnx-backend"] ?? env("VISIONROI_ONNX_BACKEND") ?? "auto",
    idleTimeoutS: values["idle-timeout"] ?? env("VISIONROI_IDLE_TIMEOUT") ?? "60",
    previewLeaseS: values["preview-lease"] ?? env("VISIONROI_PREVIEW_LEASE") ?? "60",
    auth: values.auth ?? env("VISIONROI_AUTH") ?? "auto",
    batchWorkers: values["batch-workers"] ?? env("VISIONROI_BATCH_WORKERS") ?? "1",
    maxUploadBytes: values["max-upload"] ?? env("VISIONROI_MAX_UPLOAD") ?? String(2 * 1024 ** 3),
    maxQueued: values["max-queued"] ?? env("VISIONROI_MAX_QUEUED") ?? "100",
    resultsRetentionDays: values["results-retention-days"] ??
      env("VISIONROI_RESULTS_RETENTION_DAYS") ?? "30",
    resultsMaxRows: values["results-max-rows"] ?? env("VISIONROI_RESULTS_MAX_ROWS") ?? "1000000",
    allowedHosts: values["allowed-hosts"] ?? env("VISIONROI_ALLOWED_HOSTS") ?? "",
    wsBufferBytes: values["ws-buffer"] ?? env("VISIONROI_WS_BUFFER") ?? String(2 * 1024 ** 2),
    wsStallTimeoutS: values["ws-stall-timeout"] ?? env("VISIONROI_WS_STALL_TIMEOUT") ?? "30",
    nats: values.nats ?? env("VISIONROI_NATS") ?? "",
    nodeId: values["node-id"] ?? env("VISIONROI_NODE_ID") ??
      (hostname().replace(/[^A-Za-z0-9_.-]/g, "-").slice(0, 64) || "node"),
    capacity: values.capacity ?? env("VISIONROI_CAPACITY") ?? "100",
    natsReplicas: values["nats-replicas"] ?? env("VISIONROI_NATS_REPLICAS"),
  };
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = String(issue.path[0]);
    const value = (raw as Record<string, unknown>)[field];
    throw new ConfigError(`invalid ${field} ${JSON.stringify(value)}: ${issue.message}`);
  }
  const d = parsed.data;
  return {
    ...d,
    dataDir: resolve(d.dataDir),
    capacityMeasure: values.capacity === undefined && env("VISIONROI_CAPACITY") === undefined,
    natsReplicas: d.natsReplicas ?? Math.max(1, Math.min(3, d.nats.length)),
    natsAuth: {
      user: env("VISIONROI_NATS_USER"),
      pass: env("VISIONROI_NATS_PASS"),
      token: env("VISIONROI_NATS_TOKEN"),
    },
  };
}

/**
 * True when `host` (a bind address or a `Host` header, with an optional `:port`) is loopback:
 * `localhost`, `[::1]` (`::1` as a bind address) or an IPv4 literal in 127.0.0.0/8. Nothing else,
 * so `127.9.9.9.attacker.example` (a DNS name an attacker controls) is not.
 */
export function isLoopbackHost(host: string): boolean {
  if (host === "::1") return true;
  const name = host.replace(/:\d{1,5}$/, "").toLowerCase();
  if (name === "localhost" || name === "[::1]") return true;
  const quad = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(name);
  return quad !== null && quad.slice(1).every((o) => Number(o) <= 255);
}

/** True for an IP literal: a dotted IPv4 quad or a bracketed IPv6 address (no DNS name). */
export function isIpLiteral(name: string): boolean {
  const quad = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(name);
  if (quad) return quad.slice(1).every((o) => Number(o) <= 255);
  return /^\[[0-9a-f:.]+\]$/i.test(name);
}
