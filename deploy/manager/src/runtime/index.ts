/** Picks the runtime named by OPENCLAW_RUNTIME. Both implement InstanceRuntime and return the same shapes. */
import type { InstanceRuntime, Logger } from "@clawbox/shared";
import type { ManagerConfig } from "../config.ts";
import type { ManagerMetrics } from "../metrics.ts";
import { KubernetesRuntime } from "./kubernetes/runtime.ts";

export async function createRuntime(config: ManagerConfig, logger: Logger, metrics: ManagerMetrics): Promise<InstanceRuntime> {
  if (config.runtime === "kubernetes") return new KubernetesRuntime({ config, logger, metrics });
  // Loaded only for the local runtime: it pulls in development-only parts of the repo (the agent
  // build, the gateway package) that the Manager image does not ship.
  const { LocalRuntime } = await import("./local/index.ts");
  const runtime = new LocalRuntime({
    dataDir: config.local.dataDir,
    portBase: config.local.portBase,
    tokenSecret: config.tokenSecret,
    logger: logger.child({ runtime: "local" }),
    stopGraceMs: config.local.stopGraceMs,
    desktop: config.local.desktop,
  });
  metrics.countInstancesFrom(() => runtime.list());
  return runtime;
}
