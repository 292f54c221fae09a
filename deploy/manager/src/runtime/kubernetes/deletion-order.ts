/**
 * Every object an instance can have, by name, in the order a delete removes them. The list does
 * not depend on today's config (an Ingress made under an earlier OPENCLAW_INGRESS_ENABLED is
 * found too; a 404 is fine), the Secrets go before the objects the reconciler finds users by
 * (ConfigMap, Service, NetworkPolicy), and the NetworkPolicy goes last so a terminating pod
 * keeps its isolation.
 */
import { instanceNames } from "@clawbox/shared";

export type Target = { kind: string; name: string };

export function deletionOrder(userId: string, options: { preservePvc: boolean }): Target[] {
  const n = instanceNames(userId);
  return [
    { kind: "Deployment", name: n.deployment },
    { kind: "Ingress", name: n.ingress },
    { kind: "ManagedCertificate", name: n.managedCertificate },
    { kind: "BackendConfig", name: n.backendConfig },
    { kind: "Secret", name: n.secret },
    { kind: "Secret", name: n.modelSecret },
    { kind: "Service", name: n.service },
    { kind: "ConfigMap", name: n.configMap },
    ...(options.preservePvc ? [] : [{ kind: "PersistentVolumeClaim", name: n.pvc }]),
    { kind: "NetworkPolicy", name: n.networkPolicy },
  ];
}

/** Sorts objects of one instance into deletion order (kinds not listed go first). */
export function inDeletionOrder<T extends Target>(userId: string, objects: T[]): T[] {
  const order = deletionOrder(userId, { preservePvc: false });
  const rank = (o: Target) => order.findIndex((t) => t.kind === o.kind && t.name === o.name);
  return [...objects].sort((a, b) => rank(a) - rank(b));
}
