import { instanceNames } from "@clawbox/shared";
import { BACKEND_CONFIG_ANNOTATION, backendConfigAnnotation } from "./backend-config.ts";
import { instanceLabels, selectorLabels } from "./labels.ts";
import { AGENT_PORT, NOVNC_PORT } from "./pod-layout.ts";
import type { InstanceSpec, KubeObject } from "./types.ts";

/**
 * ClusterIP only: the Manager (in-cluster) is the one client; with Ingress on, GKE's load balancer
 * reaches the pods through it, with the BackendConfig's timeout and health check.
 */
export function buildService(spec: InstanceSpec): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: {
      name: instanceNames(spec.userId).service,
      namespace: spec.namespace,
      labels: instanceLabels(spec.userId),
      ...(spec.ingress.enabled ? { annotations: { [BACKEND_CONFIG_ANNOTATION]: backendConfigAnnotation(spec) } } : {}),
    },
    spec: {
      type: "ClusterIP",
      selector: selectorLabels(spec.userId),
      ports: [
        { name: "agent", port: AGENT_PORT, targetPort: "agent", protocol: "TCP" },
        { name: "novnc", port: NOVNC_PORT, targetPort: "novnc", protocol: "TCP" },
      ],
    },
  };
}
