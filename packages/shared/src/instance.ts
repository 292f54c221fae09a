// An instance's create body, delete answer and status are the contract's
// (contract/instance-api.ts, contract/instance.ts).

/** How the Manager reaches one instance's pod agent and its noVNC/websockify. */
export interface InstanceEndpoint {
  /** Base URL of the pod agent, e.g. http://10.0.0.5:3100 or http://127.0.0.1:20190 */
  agentUrl: string;
  /** Per-instance bearer token the agent accepts. */
  agentToken: string;
  /** WebSocket URL of websockify, e.g. ws://10.0.0.5:6080/websockify; absent when VNC is unavailable. */
  vncUrl?: string;
}
