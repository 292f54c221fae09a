import type { ModelSettings } from "./contract/model.ts";

/**
 * The instance model every runtime reports, exactly as the deployment guide shows
 * `GET /api/instances/:userId` (phase model: pending -> starting -> running | error | unknown).
 */
export type InstancePhase = "pending" | "starting" | "running" | "error" | "unknown";

export const INSTANCE_PHASES: readonly InstancePhase[] = ["pending", "starting", "running", "error", "unknown"];

export interface PodConditions {
  scheduled: boolean;
  initialized: boolean;
  containersReady: boolean;
  ready: boolean;
}

/** `state` of the main (gateway) container: {status: "running"|"waiting"|"terminated", ...details}. */
export interface ContainerStateSummary {
  status: "running" | "waiting" | "terminated" | "unknown";
  startedAt?: string;
  reason?: string;
  message?: string;
  exitCode?: number;
  finishedAt?: string;
}

export interface PodStatusSummary {
  name: string;
  /** Kubernetes pod phase: Pending, Running, Succeeded, Failed, Unknown (local runtime uses the same words). */
  phase: string;
  ready: boolean;
  restartCount: number;
  state: ContainerStateSummary;
  conditions: PodConditions;
  createdAt: string;
}

export interface InstanceStatus {
  userId: string;
  ready: boolean;
  phase: InstancePhase;
  pods: PodStatusSummary[];
  /** Present only when phase is "error". */
  message?: string;
  /** ISO time the instance (its Deployment / process set) was created. */
  createdAt?: string;
  /** Live browser view availability: "available" or "unavailable" with a hint (local runtime without Xvfb etc.). */
  vnc?: { available: boolean; reason?: string };
}

export interface InstanceResources {
  requests?: { cpu?: string; memory?: string };
  limits?: { cpu?: string; memory?: string };
}

/** Body of POST /api/instances. */
export interface CreateInstanceInput {
  userId: string;
  /** Env-style secrets for the gateway (e.g. ANTHROPIC_API_KEY, OPENROUTER_API_KEY). Never echoed back. */
  secrets?: Record<string, string>;
  resources?: InstanceResources;
  imageTag?: string;
  /** The assistant's model; its key goes only into the instance's model Secret / secret store. */
  model?: ModelSettings;
}

export interface DeleteInstanceResult {
  userId: string;
  deleted: boolean;
  pvcPreserved: boolean;
}

/** How the Manager reaches one instance's pod agent and its noVNC/websockify. */
export interface InstanceEndpoint {
  /** Base URL of the pod agent, e.g. http://10.0.0.5:3100 or http://127.0.0.1:20190 */
  agentUrl: string;
  /** Per-instance bearer token the agent accepts. */
  agentToken: string;
  /** WebSocket URL of websockify, e.g. ws://10.0.0.5:6080/websockify; absent when VNC is unavailable. */
  vncUrl?: string;
}
