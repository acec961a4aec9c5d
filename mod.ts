/**
 * VisionROI entry: load config → build the actor system → create the app → serve.
 * SIGINT/SIGTERM and `POST /_quit` stop actors newest first and leave no ffmpeg child behind.
 */
import { ConfigError, loadConfig } from "./config.ts";
import { startSystem } from "./system.ts";
import { createApp } from "./routes/app.ts";
import { loadAccessPolicy } from "./routes/auth.ts";

async function main(): Promise<void> {
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
      await system.stop();
      await server.shutdown();
      Deno.exit(0);
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
    },
  }, app.fetch);
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(sig, () => void shutdown());
  }
  await server.finished;
}

if (import.meta.main) await main();
