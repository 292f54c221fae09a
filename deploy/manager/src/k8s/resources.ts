/** REST paths of the kinds the Manager writes or watches, in one table. */
export interface ResourceType {
  kind: string;
  /** "/api/v1" or "/apis/<group>/<version>". */
  prefix: string;
  plural: string;
}

export const RESOURCES = {
  Secret: { kind: "Secret", prefix: "/api/v1", plural: "secrets" },
  ConfigMap: { kind: "ConfigMap", prefix: "/api/v1", plural: "configmaps" },
  PersistentVolumeClaim: { kind: "PersistentVolumeClaim", prefix: "/api/v1", plural: "persistentvolumeclaims" },
  Service: { kind: "Service", prefix: "/api/v1", plural: "services" },
  Pod: { kind: "Pod", prefix: "/api/v1", plural: "pods" },
  Event: { kind: "Event", prefix: "/api/v1", plural: "events" },
  NetworkPolicy: { kind: "NetworkPolicy", prefix: "/apis/networking.k8s.io/v1", plural: "networkpolicies" },
  Ingress: { kind: "Ingress", prefix: "/apis/networking.k8s.io/v1", plural: "ingresses" },
  Deployment: { kind: "Deployment", prefix: "/apis/apps/v1", plural: "deployments" },
  ManagedCertificate: { kind: "ManagedCertificate", prefix: "/apis/networking.gke.io/v1", plural: "managedcertificates" },
  BackendConfig: { kind: "BackendConfig", prefix: "/apis/cloud.google.com/v1", plural: "backendconfigs" },
} as const satisfies Record<string, ResourceType>;

export type Kind = keyof typeof RESOURCES;

export function resourceFor(kind: string): ResourceType {
  const r = (RESOURCES as Record<string, ResourceType>)[kind];
  if (!r) throw new Error(`no REST mapping for kind ${kind}`);
  return r;
}

export function collectionPath(r: ResourceType, namespace: string): string {
  return `${r.prefix}/namespaces/${encodeURIComponent(namespace)}/${r.plural}`;
}

export function objectPath(r: ResourceType, namespace: string, name: string): string {
  return `${collectionPath(r, namespace)}/${encodeURIComponent(name)}`;
}
