import type { ModelSettings } from "./contract/model.ts";
import type { InstanceStatus } from "./contract/instance.ts";
import type { SleepPolicy } from "./contract/sleep.ts";
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
  /**
   * Puts the instance to sleep: its processes stop (Kubernetes: the Deployment scales to 0),
   * its state, credentials, Secret, Service and NetworkPolicy stay, and its status says
   * `sleeping` (kept across a Manager restart) until wake(). `facts` are what the Manager needs
   * to wake it by itself later (its next cron job, its Telegram bot). Idempotent; null for an
   * unknown user.
   */
  sleep(userId: string, facts: SleepFacts): Promise<InstanceStatus | null>;
  /** Starts a sleeping instance again (pending -> running); a no-op when awake. Null for an unknown user. */
  wake(userId: string): Promise<InstanceStatus | null>;
  /** What sleep() recorded, while the instance sleeps; null when awake or unknown. */
  sleepFacts(userId: string): Promise<SleepFacts | null>;
  /** Stores the instance's own sleep settings (kept across restarts); null for an unknown user. */
  setSleepPolicy(userId: string, policy: SleepPolicy): Promise<InstanceStatus | null>;
  /** Where the agent and VNC of a running instance are; null if the user has no instance. */
  endpoint(userId: string): Promise<InstanceEndpoint | null>;
  /**
   * The memory an instance's processes hold now (their RSS, bytes; 0 when stopped), for memory
   * pressure. Only where the Manager can see the processes (the local runtime); absent on
   * Kubernetes, where the scheduler places pods by their requests.
   */
  memoryBytes?(userId: string): number | null;
}

/** What the Manager records when an instance goes to sleep, to wake it by itself. */
export interface SleepFacts {
  /** ISO time it went to sleep. */
  since: string;
  /** ISO time of its next cron job, if any. */
  nextCronAt?: string;
  /** Whether a Telegram bot is configured (it wakes the instance on a DM). */
  telegram?: boolean;
  /**
   * The bot's token, to long-poll for a DM while the gateway is down. Only the local runtime
   * keeps it across Manager restarts (a 0600 file next to the instance's other secrets); the
   * Kubernetes runtime keeps it in memory (the Manager may not read Secrets), see DEPLOY.md.
   */
  telegramBotToken?: string;
}
