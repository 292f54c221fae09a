/**
 * The real Manager with the local runtime (real OpenClaw gateway processes), in the test's own
 * process, the way the gateway, chat, Telegram and restart integration tests use it: its own data
 * dir (a temporary one unless given), a free port block, no live browser view unless asked for.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger, type Logger } from "@clawbox/shared";
import type { FastifyInstance } from "fastify";
import { freePortBase } from "../../../test/support/ports.ts";
import { loadConfig, type ManagerConfig } from "../src/config.ts";
import { ManagerMetrics } from "../src/metrics.ts";
import { LocalRuntime } from "../src/runtime/local/index.ts";
import { buildServer } from "../src/server.ts";

export interface LocalManager {
  app: FastifyInstance;
  runtime: LocalRuntime;
  config: ManagerConfig;
  dataDir: string;
  /** The server's URL; only with `listen: true`. */
  url: string;
  /** Closes the server, deletes `users` with their data, stops the runtime, removes a temporary data dir. */
  close(): Promise<void>;
}

export async function startLocalManager(opts: {
  apiKey: string;
  /** The users this test creates: leftovers of an interrupted run are deleted first, and all at the end. */
  users: string[];
  /** Fixed data dir (kept across runs); default a temporary one, removed by close(). */
  dataDir?: string;
  /** Instance port blocks to reserve (one per instance running at once). */
  blocks?: number;
  env?: Record<string, string>;
  logger?: Logger;
  listen?: boolean;
}): Promise<LocalManager> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), "clawbox-local-manager-"));
  const config = loadConfig({
    OPENCLAW_MANAGER_API_KEY: opts.apiKey,
    CLAWBOX_DATA_DIR: dataDir,
    LOCAL_PORT_BASE: String(await freePortBase(opts.blocks ?? 1)),
    LOCAL_STOP_GRACE_MS: "15000",
    // No live browser view unless a test needs it: saves Xvfb, x11vnc and a headed Chromium.
    CLAWBOX_DESKTOP: "off",
    ...opts.env,
  });
  const logger = opts.logger ?? createLogger("local-manager-test", { level: "warn" });
  const runtime = new LocalRuntime({ config, logger });
  await runtime.start();
  for (const u of opts.users) await runtime.delete(u, { preservePvc: false });
  const app = await buildServer({ config, runtime, logger, metrics: new ManagerMetrics() });
  let url = "";
  if (opts.listen) {
    await app.listen({ port: 0, host: "127.0.0.1" });
    url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  } else {
    await app.ready();
  }
  return {
    app,
    runtime,
    config,
    dataDir,
    url,
    async close() {
      await app.close();
      for (const u of opts.users) await runtime.delete(u, { preservePvc: false });
      await runtime.stop();
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 500 });
    },
  };
}
