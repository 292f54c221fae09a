/**
 * What every route module receives (instance routes here, gateway routes in ./gateway/).
 * One object, built once in index.ts (or by a test), passed to buildServer().
 */
import type { InstanceRuntime, Logger } from "@clawbox/shared";
import type { ManagerConfig } from "./config.ts";
import type { ManagerMetrics } from "./metrics.ts";

export interface ManagerContext {
  config: ManagerConfig;
  runtime: InstanceRuntime;
  logger: Logger;
  metrics: ManagerMetrics;
  /** Sleep and wake (gateway/sleep/controller.ts); buildServer makes one when the caller did not. */
  sleep?: Waker;
}

/**
 * What the request paths need of sleep and wake: wake a sleeping instance and wait for it,
 * whether a wake is under way, and room in memory for a new instance. Declared here, not imported, so gateway code and this file do not
 * import each other.
 */
export interface Waker {
  ensureAwake(userId: string, onProgress?: (phase: "waking" | "awake") => void): Promise<void>;
  isWaking(userId: string): boolean;
  /** Puts idle instances to sleep while the awake ones and this one would exceed CLAWBOX_AWAKE_MEMORY. */
  makeRoom(userId: string): Promise<void>;
}
