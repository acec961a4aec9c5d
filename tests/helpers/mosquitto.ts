/**
 * A real mosquitto on free loopback ports with a generated config, for MQTT tests and benchmarks:
 * `max_queued_messages` raised (the default 1000 drops QoS 1 bursts), optional TLS listener with
 * a self-signed CA made by openssl, optional password file and on-disk persistence.
 */
import { join } from "node:path";

/** Where mosquitto lives on Debian. */
const MOSQUITTO = Deno.env.get("MOSQUITTO_BIN") ?? "/usr/sbin/mosquitto";

/** Broker options; defaults in brackets. */
export interface BrokerOptions {
  /**
   * Also listen with TLS (server cert signed by a test CA), and on a second port that requires a
   * client certificate signed by the same CA (`client.pem`/`client.key` in `dir`) [false].
   */
  tls?: boolean;
  /** Users and passwords; when set, anonymous clients are refused [anonymous allowed]. */
  users?: Record<string, string>;
  /** Keep sessions and queued messages across restarts [false]. */
  persistence?: boolean;
}

/** A running (or stoppable and restartable) broker. */
export interface Broker {
  /** Plain listener port. */
  port: number;
  /** TLS listener port (0 without TLS). */
  tlsPort: number;
  /** TLS listener that requires a client certificate (0 without TLS). */
  mtlsPort: number;
  /** `mqtt://127.0.0.1:<port>`. */
  url: string;
  /** Folder with `ca.pem` (and the server cert) when TLS is on. */
  dir: string;
  /** PEM of the test CA ("" without TLS). */
  caPem: string;
  /** Stops the broker (SIGTERM, waits for exit); it can be started again. */
  stop(): Promise<void>;
  /** Starts it again on the same ports and waits until it listens. */
  start(): Promise<void>;
  /** Stops it and removes its folder. */
  close(): Promise<void>;
}

/** Starts mosquitto and resolves once its listeners are open. */
export async function startBroker(opts: BrokerOptions = {}): Promise<Broker> {
  const dir = await Deno.makeTempDir({ prefix: "visionroi-mosquitto-" });
  const port = await freePort();
  const tlsPort = opts.tls ? await freePort() : 0;
  const mtlsPort = opts.tls ? await freePort() : 0;
  const caPem = opts.tls ? await makeCerts(dir) : "";
  const lines = [
    `listener ${port} 127.0.0.1`,
    "max_queued_messages 100000",
    "max_inflight_messages 0",
    "log_dest stderr",
    "log_type error",
    "log_type warning",
    "log_type notice",
    "log_type information",
  ];
  // As root, mosquitto would switch to the `mosquitto` user, who cannot read our temp folder.
  if (Deno.uid() === 0) lines.push("user root");
  if (opts.users) {
    await writePasswords(join(dir, "passwd"), opts.users);
    lines.push("allow_anonymous false", `password_file ${join(dir, "passwd")}`);
  } else {
    lines.push("allow_anonymous true");
  }
  if (opts.tls) {
    lines.push(
      `listener ${tlsPort} 127.0.0.1`,
      `cafile ${join(dir, "ca.pem")}`,
      `certfile ${join(dir, "server.pem")}`,
      `keyfile ${join(dir, "server.key")}`,
      `listener ${mtlsPort} 127.0.0.1`,
      `cafile ${join(dir, "ca.pem")}`,
      `certfile ${join(dir, "server.pem")}`,
      `keyfile ${join(dir, "server.key")}`,
      "require_certificate true",
    );
  }
  if (opts.persistence) {
    lines.push("persistence true", `persistence_location ${dir}/`, "autosave_interval 1");
  }
  // `per_listener_settings false` (the default) applies auth to every listener.
  const conf = join(dir, "mosquitto.conf");
  await Deno.writeTextFile(conf, lines.join("\n") + "\n");
  let child: Deno.ChildProcess | undefined;
  const broker: Broker = {
    port,
    tlsPort,
    mtlsPort,
    url: `mqtt://127.0.0.1:${port}`,
    dir,
    caPem,
    async start() {
      if (child) return;
      child = await launch(conf, [port, ...(tlsPort ? [tlsPort, mtlsPort] : [])]);
    },
    async stop() {
      const c = child;
      child = undefined;
      if (!c) return;
      c.kill("SIGTERM");
      await c.status;
    },
    async close() {
      await broker.stop();
      await Deno.remove(dir, { recursive: true });
    },
  };
  try {
    await broker.start();
  } catch (err) {
    await Deno.remove(dir, { recursive: true });
    throw err;
  }
  return broker;
}

/** A TCP port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  await Promise.resolve();
  return port;
}

async function launch(conf: string, ports: number[]): Promise<Deno.ChildProcess> {
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(MOSQUITTO, {
      args: ["-c", conf],
      stdout: "null",
      stderr: "piped",
      stdin: "null",
    }).spawn();
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
    throw new Error(
      `mosquitto not found at ${MOSQUITTO}: apt-get install mosquitto (or set MOSQUITTO_BIN)`,
    );
  }
  let log = "";
  const ready = (async () => {
    const dec = new TextDecoder();
    for await (const chunk of child.stderr) {
      log += dec.decode(chunk);
      const opened = ports.every((p) => log.includes(`listen socket on port ${p}`));
      if (opened && /running/.test(log)) return true;
    }
    return false;
  })();
  const ok = await Promise.race([ready, child.status.then(() => false)]);
  if (!ok) {
    const status = await Promise.race([child.status, Promise.resolve(undefined)]);
    if (!status) child.kill("SIGKILL");
    await child.status;
    throw new Error(`mosquitto did not start:\n${log}`);
  }
  // Keep draining stderr so the broker never blocks on a full pipe.
  void child.stderr.pipeTo(new WritableStream()).catch(() => undefined);
  return child;
}

async function run(cmd: string, args: string[]): Promise<void> {
  const out = await new Deno.Command(cmd, { args, stdout: "null", stderr: "piped" }).output();
  if (!out.success) {
    throw new Error(`${cmd} ${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
}

/** A self-signed CA and a server certificate for 127.0.0.1/localhost; returns the CA PEM. */
async function makeCerts(dir: string): Promise<string> {
  const p = (f: string) => join(dir, f);
  await run("openssl", [
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "2",
    "-subj",
    "/CN=VisionROI test CA",
    "-keyout",
    p("ca.key"),
    "-out",
    p("ca.pem"),
  ]);
  await Deno.writeTextFile(p("san.cnf"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  await signed(dir, "server", "/CN=127.0.0.1", "san.cnf");
  await signed(dir, "client", "/CN=visionroi-test-client");
  return await Deno.readTextFile(p("ca.pem"));
}

/** A key and a certificate signed by the test CA: `<name>.key`, `<name>.pem`. */
async function signed(dir: string, name: string, subject: string, ext?: string): Promise<void> {
  const p = (f: string) => join(dir, f);
  await run("openssl", [
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-subj",
    subject,
    "-keyout",
    p(`${name}.key`),
    "-out",
    p(`${name}.csr`),
  ]);
  await run("openssl", [
    "x509",
    "-req",
    "-in",
    p(`${name}.csr`),
    "-CA",
    p("ca.pem"),
    "-CAkey",
    p("ca.key"),
    "-CAcreateserial",
    "-days",
    "2",
    ...(ext ? ["-extfile", p(ext)] : []),
    "-out",
    p(`${name}.pem`),
  ]);
}

async function writePasswords(path: string, users: Record<string, string>): Promise<void> {
  await Deno.writeTextFile(path, "");
  for (const [user, pass] of Object.entries(users)) {
    await run("mosquitto_passwd", ["-b", path, user, pass]);
  }
}
