/** Picks the runtime named by OPENCLAW_RUNTIME. Both implement InstanceRuntime and return the same shapes. */
import type { InstanceRuntime, Logger } from "@clawbox/shared";
import type { ManagerConfig } from "../config.ts";
import type { ManagerMetrics } from "../metrics.ts";
import { KubernetesRuntime } from "./kubernetes/runtime.ts";
import { LocalRuntime } from "./local/index.ts";

export function createRuntime(config: ManagerConfig, logger: Logger, metrics: ManagerMetrics): InstanceRuntime {
  if (config.runtime === "kubernetes") return new KubernetesRuntime({ config, logger, metrics });
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
