/**
 * Real `nats-server` processes for cluster tests and the cluster demo: N servers with JetStream on
 * free loopback ports, routed into one cluster, files in a temp dir.
 */
import { join } from "node:path";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { freePort } from "./mosquitto.ts";

/** Where the Debian package puts it (`NATS_SERVER` overrides). */
export const NATS_SERVER = Deno.env.get("NATS_SERVER") ??
  (exists("/usr/sbin/nats-server") ? "/usr/sbin/nats-server" : "nats-server");

/** True when a nats-server binary can be run here. */
export function natsServerAvailable(): boolean {
  try {
    return new Deno.Command(NATS_SERVER, { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

/**
 * `Deno.test` options of a test that needs nats-server: skipped where it is not installed (one
 * line says so per file), except under CI, where a missing server must fail the test.
 */
export function natsTestOptions(file: string) {
  const ignore = !natsServerAvailable() && Deno.env.get("CI") === undefined;
  if (ignore) console.warn(`${file}: nats-server not installed (apt install nats-server); skipped`);
  return { ignore, sanitizeResources: false, sanitizeOps: false };
}

/** Runs `fn` with a connection to one fresh nats-server; closes both afterwards. */
export async function withNats(fn: (nc: NatsConnection) => Promise<void>): Promise<void> {
  const nats = await startNatsCluster(1);
  const nc = await connect({ servers: nats.urls });
  try {
    await fn(nc);
  } finally {
    await nc.close();
    await nats.close();
  }
}

/** One server of the cluster. */
export interface NatsServer {
  name: string;
  url: string;
  /** SIGKILL and wait for the exit. */
  kill(): Promise<void>;
}

/** A running cluster. */
export interface NatsCluster {
  servers: NatsServer[];
  /** Every client URL, comma-separated (what `--nats` takes). */
  urls: string;
  dir: string;
  /** Stops every server and removes the files. */
  close(): Promise<void>;
}

/** Starts `n` servers routed into one JetStream cluster and waits until JetStream answers on each. */
export async function startNatsCluster(n = 3): Promise<NatsCluster> {
  const dir = await Deno.makeTempDir({ prefix: "visionroi-nats-" });
  const ports: { client: number; route: number; http: number }[] = [];
  for (let i = 0; i < n; i++) {
    ports.push({ client: await freePort(), route: await freePort(), http: await freePort() });
  }
  const children: Deno.ChildProcess[] = [];
  const servers: NatsServer[] = ports.map((p, i) => {
    const name = `n${i + 1}`;
    const routes = ports.filter((_, j) => j !== i).map((q) =>
      `"nats-route://127.0.0.1:${q.route}"`
    );
    const conf = [
      `server_name: ${name}`,
      `listen: "127.0.0.1:${p.client}"`,
      `http: "127.0.0.1:${p.http}"`,
      `jetstream { store_dir: "${join(dir, name)}" }`,
      n > 1
        ? `cluster { name: "visionroi", listen: "127.0.0.1:${p.route}", routes: [${routes}] }`
        : "",
    ].join("\n");
    const path = join(dir, `${name}.conf`);
    Deno.writeTextFileSync(path, conf + "\n");
    const child = new Deno.Command(NATS_SERVER, {
      args: ["-c", path],
      stdout: "null",
      stderr: "null",
      stdin: "null",
    }).spawn();
    children[i] = child;
    let done = false;
    return {
      name,
      url: `nats://127.0.0.1:${p.client}`,
      async kill() {
        if (done) return;
        done = true;
        child.kill("SIGKILL");
        await child.status;
      },
    };
  });
  const cluster: NatsCluster = {
    servers,
    urls: servers.map((s) => s.url).join(","),
    dir,
    async close() {
      for (const s of servers) await s.kill();
      await Deno.remove(dir, { recursive: true }).catch(() => undefined);
    },
  };
  try {
    for (const p of ports) await waitHealthy(p.http);
  } catch (err) {
    await cluster.close();
    throw err;
  }
  return cluster;
}

/** Waits until a server's `/healthz` says JetStream is ready (a meta leader exists). */
async function waitHealthy(httpPort: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  let last = "";
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`http://127.0.0.1:${httpPort}/healthz`);
      last = await res.text();
      if (res.ok) return;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nats-server on ${httpPort} not healthy: ${last}`);
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}
