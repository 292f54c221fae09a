import type { ModelSettings } from "./contract/model.ts";

/** Inputs of an instance (the Manager's create body); its status is in contract/instance.ts. */
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
