import { instanceNames } from "@clawbox/shared";
import { instanceLabels } from "./labels.ts";
import { AGENT_PORT, PROBES, TERMINATION_GRACE_SECONDS } from "./pod-layout.ts";
import type { InstanceSpec, KubeObject } from "./types.ts";

/**
 * GKE's load balancer closes a WebSocket when the backend service timeout runs out (30 s by
 * default), mid-session: the live browser (noVNC) and the RPC socket would drop every 30 s. An hour
 * covers a session; the app and the Manager reconnect a socket that ends.
 */
export const LB_TIMEOUT_SECONDS = 3600;

/** Service annotation that attaches the BackendConfig to every port of the Service. */
export const BACKEND_CONFIG_ANNOTATION = "cloud.google.com/backend-config";

/**
 * Only with Ingress on: GKE's BackendConfig (cloud.google.com/v1) for the instance's Service.
 * - timeoutSec: see LB_TIMEOUT_SECONDS;
 * - healthCheck: the agent's unauthenticated /healthz (GCLB's default GET / gets the agent's 401);
 * - connectionDraining: as long as the pod's termination grace, so open sockets end with the pod.
 */
export function buildBackendConfig(spec: InstanceSpec): KubeObject {
  return {
    apiVersion: "cloud.google.com/v1",
    kind: "BackendConfig",
    metadata: { name: instanceNames(spec.userId).backendConfig, namespace: spec.namespace, labels: instanceLabels(spec.userId) },
    spec: {
      timeoutSec: LB_TIMEOUT_SECONDS,
      connectionDraining: { drainingTimeoutSec: TERMINATION_GRACE_SECONDS },
      healthCheck: { type: "HTTP", requestPath: PROBES.agent, port: AGENT_PORT },
    },
  };
}

/** The Service's annotation value: `{"default":"<name>"}` (JSON text, as GKE reads it). */
export function backendConfigAnnotation(spec: InstanceSpec): string {
  return JSON.stringify({ default: instanceNames(spec.userId).backendConfig });
}
