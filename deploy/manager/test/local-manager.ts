/**
 * The real Manager with the local runtime (real OpenClaw gateway processes), in the test's own
 * process, the way the gateway, chat, Telegram and restart integration tests use it: its own data
 * dir (a temporary one unless given), a free port block, no live browser view unless asked for,
 * and the egress stand-in as its assistants' proxy (CLAWBOX_INSTANCE_PROXY): what they try to
 * reach outside this machine is refused on loopback and recorded, never sent.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger, type Logger } from "@clawbox/shared";
import type { FastifyInstance } from "fastify";
import * as egressStandin from "../../../test/standins/egress-standin.ts";
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
  /** Where the assistants tried to go outside this machine (refused). */
  egress: egressStandin.EgressStandin;
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
  const egress = await egressStandin.start();
  const config = loadConfig({
    OPENCLAW_MANAGER_API_KEY: opts.apiKey,
    CLAWBOX_DATA_DIR: dataDir,
    LOCAL_PORT_BASE: String(await freePortBase(opts.blocks ?? 1)),
    LOCAL_STOP_GRACE_MS: "15000",
    // No live browser view unless a test needs it: saves Xvfb, x11vnc and a headed Chromium.
    CLAWBOX_DESKTOP: "off",
    CLAWBOX_INSTANCE_PROXY: egress.url,
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
    egress,
    async close() {
      await app.close();
      for (const u of opts.users) await runtime.delete(u, { preservePvc: false });
      await runtime.stop();
      await egress.stop();
      const hosts = [...new Set(egress.attempts.map((x) => x.host))];
      if (hosts.length > 0) logger.warn({ hosts }, "the assistants tried to reach these hosts; the egress stand-in refused them");
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 500 });
    },
  };
}
