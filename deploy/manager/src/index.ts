/**
 * Manager entry point: load config (refuse to start on a missing/invalid value), create the
 * runtime (kubernetes or local), sync its cache, listen on :3000, and shut down gracefully on
 * SIGTERM/SIGINT (stop accepting, finish in-flight requests, stop watches/processes), exiting
 * non-zero when stopping fails.
 */
import { createLogger } from "@clawbox/shared";
import { ConfigError, loadConfig } from "./config.ts";
import { ManagerMetrics } from "./metrics.ts";
import { createRuntime } from "./runtime/index.ts";
import { buildServer } from "./server.ts";
import { stopAll } from "./shutdown.ts";

const logger = createLogger("openclaw-manager");

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      logger.fatal({ variable: e.variable }, e.message);
      process.stderr.write(`${e.message}\n`);
      process.exit(78);
    }
    throw e;
  }
  const metrics = new ManagerMetrics();
  const runtime = await createRuntime(config, logger, metrics);
  let app: Awaited<ReturnType<typeof buildServer>> | undefined;
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    const force = setTimeout(() => process.exit(1), 25_000);
    force.unref();
    // Under `npm start` the platform owns its instances: they stop with it (by pid), also when
    // the signal comes while saved instances are still booting. Otherwise they keep running
    // and the next Manager re-adopts them.
    const local = runtime as { stopAll?: () => Promise<void> };
    const stopRuntime = config.local.stopInstancesOnExit && local.stopAll ? () => local.stopAll!() : () => runtime.stop();
    const code = await stopAll({ server: app ?? { close: async () => undefined }, runtime: { stop: stopRuntime } }, logger);
    clearTimeout(force);
    process.exit(code);
  };
  // Before start(): a signal during the boot of saved instances must still stop them.
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
  await runtime.start();
  if (stopping) return;
  app = await buildServer({ config, runtime, logger, metrics });
  await app.listen({ port: config.port, host: config.host });
  logger.info({ port: config.port, runtime: runtime.kind }, "manager listening");
}

main().catch((e) => {
  logger.fatal({ err: e }, "manager failed to start");
  process.exit(1);
});
