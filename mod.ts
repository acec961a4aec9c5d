/**
 * VisionROI entry: load config → build the actor system → create the app → serve.
 * SIGINT/SIGTERM and `POST /_quit` stop actors newest first and leave no ffmpeg child behind; a stop
 * that takes longer than 4 s (a stalled request, a stuck actor) exits anyway.
 */
import { ConfigError, loadConfig, usage } from "./config.ts";
import { startSystem } from "./system.ts";
import { createApp } from "./routes/app.ts";
import { loadAccessPolicy } from "./routes/auth.ts";
import { hostname as osHostname } from "node:os";
import { tuneMalloc } from "./actors/runtime/malloc_tuning.ts";

/** How long a graceful stop may take before the process exits anyway (status 1): SIGTERM ends it within 5 s. */
const SHUTDOWN_GRACE_MS = 4_000;

async function main(): Promise<void> {
  tuneMalloc();
  if (Deno.args.includes("--help") || Deno.args.includes("-h")) {
    console.log(usage());
    return;
  }
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`visionroi: ${err.message}`);
      Deno.exit(2);
    }
    throw err;
  }
  const system = await startSystem(config);
  let stopping: Promise<void> | undefined;
  const shutdown = () =>
    stopping ??= (async () => {
      // Whatever hangs (a stalled upload, an actor that does not stop), the process ends in time.
      const watchdog = setTimeout(() => {
        console.error(`visionroi: shutdown not finished after ${SHUTDOWN_GRACE_MS} ms; exiting`);
        Deno.exit(1);
      }, SHUTDOWN_GRACE_MS);
      await system.stop();
      await server.shutdown();
      for (const [sig, fn] of signalHandlers) Deno.removeSignalListener(sig, fn);
      clearTimeout(watchdog);
      // Exiting at once, while terminated module workers (native ONNX code) were still being torn
      // down, crashed the process now and then (SIGSEGV, exit 139). An empty event loop ends the
      // process after joining them; what stays open (a client's keep-alive socket) gets 500 ms,
      // by which time the workers are gone, and then the exit.
      Deno.unrefTimer(setTimeout(() => Deno.exit(0), 500));
    })();
  const auth = await loadAccessPolicy(config);
  if (auth.created) {
    console.log(`Access token (shown once; stored in ${auth.path}, mode 0600): ${auth.token}`);
  }
  const app = createApp({ config, ...system, shutdown, auth });
  const server = Deno.serve({
    port: config.port,
    hostname: config.host,
    onListen: ({ hostname, port }) => {
      console.log(`VisionROI listening on http://${hostname}:${port}/ (data: ${config.dataDir})`);
      // Other nodes reach this one here (relayed video, /api/cluster links).
      const reachable = hostname === "0.0.0.0" || hostname === "::" ? osHostname() : hostname;
      if (system.cluster) system.cluster.placement.url = `http://${reachable}:${port}`;
    },
  }, app.fetch);
  const signalHandlers = (["SIGINT", "SIGTERM"] as const).map((sig) => {
    const fn = () => void shutdown();
    Deno.addSignalListener(sig, fn);
    return [sig, fn] as const;
  });
  await server.finished;
}

if (import.meta.main) await main();
