import { instanceNames } from "@clawbox/shared";
import { instanceLabels, selectorLabels } from "./labels.ts";
import { AGENT_PORT, NOVNC_PORT } from "./pod-layout.ts";
import type { InstanceSpec, KubeObject } from "./types.ts";

/** ClusterIP only: the Manager (in-cluster) is the one client. */
export function buildService(spec: InstanceSpec): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: instanceNames(spec.userId).service, namespace: spec.namespace, labels: instanceLabels(spec.userId) },
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
