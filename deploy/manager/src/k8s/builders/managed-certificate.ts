import { instanceNames } from "@clawbox/shared";
import { instanceHost } from "./ingress.ts";
import { instanceLabels } from "./labels.ts";
import type { InstanceSpec, KubeObject } from "./types.ts";

/** GKE ManagedCertificate (networking.gke.io/v1) for the Ingress host; only with ingress enabled. */
export function buildManagedCertificate(spec: InstanceSpec): KubeObject {
  return {
    apiVersion: "networking.gke.io/v1",
    kind: "ManagedCertificate",
    metadata: { name: instanceNames(spec.userId).managedCertificate, namespace: spec.namespace, labels: instanceLabels(spec.userId) },
    spec: { domains: [instanceHost(spec)] },
  };
}
