/** Picks the runtime named by OPENCLAW_RUNTIME. Both implement InstanceRuntime and return the same shapes. */
import type { InstanceRuntime, Logger } from "@clawbox/shared";
import type { ManagerConfig } from "../config.ts";
import type { ManagerMetrics } from "../metrics.ts";

export async function createRuntime(config: ManagerConfig, logger: Logger, metrics: ManagerMetrics): Promise<InstanceRuntime> {
  // Each runtime is loaded only when chosen: the local one pulls in development-only parts of the
  // repo (the agent build, the gateway package) that the Manager image does not ship, and neither
  // should cost the other's memory.
  if (config.runtime === "kubernetes") {
    const { KubernetesRuntime } = await import("./kubernetes/runtime.ts");
    return new KubernetesRuntime({ config, logger, metrics });
  }
  const { LocalRuntime } = await import("./local/index.ts");
  // The whole config: local settings (sandbox, limits, start queue) and the gateway settings
  // (Telegram API root, provider endpoints) every instance gets.
  const runtime = new LocalRuntime({ config, logger: logger.child({ runtime: "local" }) });
  metrics.countInstancesFrom(() => runtime.list());
  return runtime;
}
