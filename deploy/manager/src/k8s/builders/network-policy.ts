import { instanceNames } from "@clawbox/shared";
import { instanceLabels, MANAGER_POD_LABELS, selectorLabels } from "./labels.ts";
import { AGENT_PORT, NOVNC_PORT } from "./pod-layout.ts";
import type { InstanceSpec, KubeObject } from "./types.ts";

/**
 * Ranges an instance must never reach: RFC 1918 (pods, services, nodes and the VPC), link-local
 * (169.254.169.254 metadata, and GKE Dataplane V2 DNATs metadata to the node IP, which the private
 * ranges cover), and carrier-grade NAT 100.64/10 (used for pod ranges on some GKE/EKS setups).
 */
export const PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16", "100.64.0.0/10"] as const;

/** GKE with Cloud DNS answers DNS on the metadata address, port 53 only (z2jh dnsPortsCloudMetadataServer). */
export const CLOUD_DNS_ADDRESS = "169.254.169.254/32";

/**
 * NodeLocal DNSCache (on by default in GKE Autopilot): pods resolve through 169.254.20.10 on their
 * node, answered by hostNetwork pods labelled k8s-app: node-local-dns. That address sits inside the
 * blocked 169.254/16, so without this rule every lookup fails and no model is reachable.
 */
export const NODE_LOCAL_DNS_ADDRESS = "169.254.20.10/32";

/** Peers that answer DNS: kube-dns, NodeLocal DNSCache (pods and its link-local address), Cloud DNS. */
export function dnsPeers(): unknown[] {
  const kubeSystem = { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } };
  return [
    { namespaceSelector: kubeSystem, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } },
    { namespaceSelector: kubeSystem, podSelector: { matchLabels: { "k8s-app": "node-local-dns" } } },
    { ipBlock: { cidr: NODE_LOCAL_DNS_ADDRESS } },
    { ipBlock: { cidr: CLOUD_DNS_ADDRESS } },
  ];
}

export const DNS_PORTS = [
  { protocol: "UDP", port: 53 },
  { protocol: "TCP", port: 53 },
] as const;

/** Google Front End ranges that GCLB health checks and proxied traffic come from (only with Ingress on). */
export const GCLB_RANGES = ["130.211.0.0/22", "35.191.0.0/16"] as const;

/**
 * Default deny both ways for this user's pod, then:
 * - ingress: agent and noVNC ports, only from the Manager's pods in the platform namespace (a pod
 *   in the instance namespace wearing the Manager's label is not admitted);
 * - egress: DNS (kube-dns, NodeLocal DNSCache, or Cloud DNS on the metadata address port 53) and
 *   the public internet.
 * The peer field is `from` (plain JSON). @kubernetes/client-node's model calls it `_from`, and a
 * typed object with `from` would lose it, leaving a rule that admits every source.
 */
export function buildNetworkPolicy(spec: InstanceSpec): KubeObject {
  const ingress: unknown[] = [
    {
      from: [
        {
          namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": spec.managerNamespace } },
          podSelector: { matchLabels: { ...MANAGER_POD_LABELS } },
        },
      ],
      ports: [
        { protocol: "TCP", port: AGENT_PORT },
        { protocol: "TCP", port: NOVNC_PORT },
      ],
    },
  ];
  if (spec.ingress.enabled) {
    ingress.push({
      from: GCLB_RANGES.map((cidr) => ({ ipBlock: { cidr } })),
      ports: [{ protocol: "TCP", port: AGENT_PORT }],
    });
  }
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: instanceNames(spec.userId).networkPolicy, namespace: spec.namespace, labels: instanceLabels(spec.userId) },
    spec: {
      podSelector: { matchLabels: selectorLabels(spec.userId) },
      policyTypes: ["Ingress", "Egress"],
      ingress,
      egress: [
        { to: dnsPeers(), ports: [...DNS_PORTS] },
        // Any port: the user's browser may visit any public site; the isolation is the excluded ranges.
        { to: [{ ipBlock: { cidr: "0.0.0.0/0", except: [...PRIVATE_RANGES] } }] },
      ],
    },
  };
}
