/**
 * What every route module receives (instance routes here, gateway routes in ./gateway/).
 * One object, built once in index.ts (or by a test), passed to buildServer().
 */
import type { InstanceRuntime, Logger } from "@clawbox/shared";
import type { ManagerConfig } from "./config.ts";
import type { ManagerMetrics } from "./metrics.ts";
import type { SleepController } from "./sleep/controller.ts";

export interface ManagerContext {
  config: ManagerConfig;
  runtime: InstanceRuntime;
  logger: Logger;
  metrics: ManagerMetrics;
  /** Sleep and wake; buildServer makes one when the caller did not. */
  sleep?: SleepController;
}
