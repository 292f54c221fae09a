import { instanceNames } from "@clawbox/shared";
import { instanceLabels } from "./labels.ts";
import type { InstanceSpec, KubeObject } from "./types.ts";

export function instanceHost(spec: InstanceSpec): string {
  return `${spec.userId}.${spec.ingress.domainBase}`;
}

/**
 * Only with OPENCLAW_INGRESS_ENABLED=true. GKE's Ingress (GCLB) with a ManagedCertificate; the
 * backend is the token-protected agent port (the gateway itself only listens on loopback).
 */
export function buildIngress(spec: InstanceSpec): KubeObject {
  const names = instanceNames(spec.userId);
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: {
      name: names.ingress,
      namespace: spec.namespace,
      labels: instanceLabels(spec.userId),
      annotations: {
        "kubernetes.io/ingress.class": "gce",
        "networking.gke.io/managed-certificates": names.managedCertificate,
        "kubernetes.io/ingress.allow-http": "false",
      },
    },
    spec: {
      rules: [
        {
          host: instanceHost(spec),
          http: {
            paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: names.service, port: { name: "agent" } } } }],
          },
        },
      ],
    },
  };
}
