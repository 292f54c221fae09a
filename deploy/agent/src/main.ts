import { createLogger } from "@clawbox/shared/logger";
import { loadAgentConfig } from "./config.ts";
import { createAgentServer } from "./server.ts";

/**
 * Pod agent entry: `node /opt/clawbox/agent/src/main.ts` (sidecar) or
 * `node deploy/agent/src/main.ts` (local runtime, one per instance). Env: see config.ts.
 */
const log = createLogger("agent");
const config = loadAgentConfig();
const { server, gateway } = createAgentServer(config);
server.listen(config.port, config.host, () => {
  log.info({ port: config.port, host: config.host, gateway: config.gatewayUrl }, "agent listening");
  // Open the persistent gateway connection early; failures are fine (the gateway may still be starting).
  gateway.connect().catch(() => undefined);
});

const shutdown = (signal: string) => {
  log.info({ signal }, "agent stopping");
  server.close();
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2000).unref();
};
process.on("SIGTERM", () => shutdown("SIGTERM"));
process.on("SIGINT", () => shutdown("SIGINT"));
