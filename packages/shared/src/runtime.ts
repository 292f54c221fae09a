import type { ModelSettings } from "./contract/model.ts";
import type { InstanceStatus } from "./contract/instance.ts";
import type { CreateInstanceInput, DeleteInstanceResult } from "./contract/instance-api.ts";
import type { InstanceEndpoint } from "./instance.ts";

/**
 * One interface, two runtimes: `kubernetes` (objects in a namespace) and `local`
 * (processes on this machine). Routes only ever talk to this.
 * - create is idempotent: the same input twice gives the same instance; an existing
 *   instance gets its secrets/image updated without losing data.
 * - get/list are served from a cache (watch for kubernetes, process table for local).
 * - get returns null for an unknown user; delete returns null for an unknown user.
 */
export interface InstanceRuntime {
  readonly kind: "kubernetes" | "local";
  start(): Promise<void>;
  stop(): Promise<void>;
  create(input: CreateInstanceInput): Promise<{ created: boolean; status: InstanceStatus }>;
  get(userId: string): Promise<InstanceStatus | null>;
  list(): Promise<InstanceStatus[]>;
  delete(userId: string, options: { preservePvc: boolean }): Promise<DeleteInstanceResult | null>;
  /**
   * Changes the assistant's model (null: none) by a restart that keeps all state: the key is an
   * env variable, read only at process start. Null if the user has no instance.
   */
  setModel(userId: string, model: ModelSettings | null): Promise<InstanceStatus | null>;
  /**
   * Restarts the assistant keeping everything (instance id, data, channels): a rollout restart
   * on Kubernetes, a process restart locally. Never deletes. Null if the user has no instance.
   */
  restart(userId: string): Promise<InstanceStatus | null>;
  /** Where the agent and VNC of a running instance are; null if the user has no instance. */
  endpoint(userId: string): Promise<InstanceEndpoint | null>;
}
